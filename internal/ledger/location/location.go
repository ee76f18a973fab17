// Package location reads where a ledger lives: a SQLite file or a
// dynamodb:// URL. It depends on nothing heavier than the standard library,
// so bake.yaml's loader can check a ledger URL at its line.
package location

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// DynamoDBScheme starts a ledger location that names a DynamoDB table
// instead of a SQLite file: dynamodb://TABLE?region=REGION&endpoint=URL.
const DynamoDBScheme = "dynamodb://"

// DynamoDB is a parsed dynamodb:// ledger URL.
type DynamoDB struct {
	Table    string
	Region   string // "" for the SDK's default (AWS_REGION, the profile)
	Endpoint string // "" for the SDK's default (AWS_ENDPOINT_URL, or AWS itself)
}

// tableNameRule is DynamoDB's own rule for table names.
var tableNameRule = regexp.MustCompile(`^[A-Za-z0-9_.-]{3,255}$`)

// RegionRule is what AWS region names look like.
var RegionRule = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d$`)

// IsDynamoDB reports whether a ledger location names a DynamoDB table.
func IsDynamoDB(loc string) bool {
	return strings.HasPrefix(loc, DynamoDBScheme)
}

// ParseDynamoDB reads dynamodb://TABLE?region=REGION&endpoint=URL. Its
// errors never repeat the URL: one with credentials in it is refused, and
// the message must not print them.
func ParseDynamoDB(raw string) (DynamoDB, error) {
	const form = "not a DynamoDB ledger URL: want dynamodb://TABLE?region=REGION"
	if !IsDynamoDB(raw) {
		return DynamoDB{}, errors.New(form)
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return DynamoDB{}, errors.New(form)
	case u.User != nil:
		return DynamoDB{}, errCredentialsInURL
	case u.Port() != "" || (u.Path != "" && u.Path != "/") || u.Fragment != "":
		return DynamoDB{}, errors.New(form)
	case !tableNameRule.MatchString(u.Host):
		return DynamoDB{}, fmt.Errorf("table name %q must be 3 to 255 letters, digits, '_', '-' or '.'", u.Host)
	}
	loc := DynamoDB{Table: u.Host}
	query, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return DynamoDB{}, fmt.Errorf("%s: %w", form, err)
	}
	for name, values := range query {
		if len(values) != 1 || values[0] == "" {
			return DynamoDB{}, fmt.Errorf("give %s once, with a value", name)
		}
		switch name {
		case "region":
			if !RegionRule.MatchString(values[0]) {
				return DynamoDB{}, fmt.Errorf("region %q is not an AWS region name such as \"us-east-1\"", values[0])
			}
			loc.Region = values[0]
		case "endpoint":
			e, err := url.Parse(values[0])
			if err == nil && e.User != nil {
				return DynamoDB{}, errCredentialsInURL
			}
			if err != nil || (e.Scheme != "http" && e.Scheme != "https") || e.Host == "" {
				return DynamoDB{}, fmt.Errorf("endpoint %q is not an http or https URL", values[0])
			}
			loc.Endpoint = values[0]
		default:
			return DynamoDB{}, fmt.Errorf("unknown parameter %q; expected region or endpoint", name)
		}
	}
	return loc, nil
}

// errCredentialsInURL refuses a ledger URL that would put a secret in bake.yaml.
var errCredentialsInURL = errors.New("credentials do not belong in the ledger URL: use AWS_PROFILE or the AWS_* environment")

// String renders the location as the dynamodb:// URL ParseDynamoDB reads.
func (l DynamoDB) String() string {
	// Escape only what would change the query's meaning, so that an
	// endpoint stays readable in messages.
	escape := strings.NewReplacer("%", "%25", "&", "%26", "+", "%2B", "#", "%23", ";", "%3B").Replace
	var params []string
	if l.Region != "" {
		params = append(params, "region="+escape(l.Region))
	}
	if l.Endpoint != "" {
		params = append(params, "endpoint="+escape(l.Endpoint))
	}
	u := DynamoDBScheme + l.Table
	if len(params) > 0 {
		u += "?" + strings.Join(params, "&")
	}
	return u
}
