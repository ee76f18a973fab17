// Package secret holds the values of build secrets: where they come from
// (BAKE_SECRET_* environment variables), which an image may have, and how
// everything bake prints or records is kept free of them.
package secret

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// EnvPrefix starts the environment variables that hold secret values:
// secret npm_token comes from BAKE_SECRET_NPM_TOKEN.
const EnvPrefix = "BAKE_SECRET_"

// MinLength is the shortest value bake accepts as a secret: a shorter one
// cannot be told apart from ordinary text, so it could not be redacted.
const MinLength = 4

// Redacted is what bake prints and records in place of a secret value.
const Redacted = "[secret]"

// ErrInvalid marks bad input about secrets: a value that is missing or too
// short, or a secret declared by an image whose builder cannot keep it secret.
var ErrInvalid = errors.New("secrets")

// EnvVar names the environment variable that holds secret name.
func EnvVar(name string) string {
	return EnvPrefix + strings.ToUpper(name)
}

// Env is every BAKE_SECRET_* variable of bake's environment, by variable name.
type Env map[string]string

// FromEnviron picks the BAKE_SECRET_* variables out of environ (os.Environ()).
func FromEnviron(environ []string) Env {
	env := Env{}
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if ok && strings.HasPrefix(k, EnvPrefix) {
			env[k] = v
		}
	}
	return env
}

// Values returns every value of env long enough to be redacted: what
// bake's output and records must never contain.
func (env Env) Values() []string {
	var out []string
	for _, v := range env {
		if len(v) >= MinLength {
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// For returns the values of the secrets image declares. A secret whose
// variable is unset, empty or shorter than MinLength is an ErrInvalid that
// names the image, the secret and the variable to set.
func (env Env) For(image string, names []string) (Values, error) {
	if len(names) == 0 {
		return nil, nil
	}
	vals := Values{}
	var problems []string
	for _, name := range names {
		v := env[EnvVar(name)]
		switch {
		case v == "":
			problems = append(problems, fmt.Sprintf("image %q needs secret %q: set %s", image, name, EnvVar(name)))
		case len(v) < MinLength:
			problems = append(problems, fmt.Sprintf("image %q needs secret %q: %s is shorter than %d characters, too short to redact from what bake prints",
				image, name, EnvVar(name), MinLength))
		default:
			vals[name] = v
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrInvalid, strings.Join(problems, "; "))
	}
	return vals, nil
}

// Values are the secrets one build receives, by name. Printing them (%v,
// %+v, %#v, JSON) shows only their names.
type Values map[string]string

// Names returns the names, sorted.
func (v Values) Names() []string {
	names := make([]string, 0, len(v))
	for name := range v {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// List returns the values, for a Redactor.
func (v Values) List() []string {
	out := make([]string, 0, len(v))
	for _, val := range v {
		out = append(out, val)
	}
	return out
}

// String names the secrets, never their values.
func (v Values) String() string { return "secrets[" + strings.Join(v.Names(), " ") + "]" }

// GoString is String, for %#v.
func (v Values) GoString() string { return v.String() }

// MarshalJSON writes the names only.
func (v Values) MarshalJSON() ([]byte, error) {
	names := v.Names()
	var b strings.Builder
	b.WriteByte('[')
	for i, n := range names {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%q", n)
	}
	b.WriteByte(']')
	return []byte(b.String()), nil
}
