// Package ecrapi is Amazon ECR's API as bake's registry access needs it
// (registry.ECR): registry tokens and repositories, through the project's
// AWS configuration (awsx: endpoint override, retries, call counts).
package ecrapi

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/smithy-go"

	"github.com/bakehq/bake/internal/awsx"
	"github.com/bakehq/bake/internal/registry"
)

// API is the part of the ECR client bake calls.
type API interface {
	GetAuthorizationToken(ctx context.Context, in *ecr.GetAuthorizationTokenInput, opts ...func(*ecr.Options)) (*ecr.GetAuthorizationTokenOutput, error)
	CreateRepository(ctx context.Context, in *ecr.CreateRepositoryInput, opts ...func(*ecr.Options)) (*ecr.CreateRepositoryOutput, error)
}

// Service implements registry.ECR with a client per region.
type Service struct {
	// Client returns the ECR client of region.
	Client func(ctx context.Context, region string) (API, error)
}

// New returns a Service whose clients are made from the AWS configuration
// of s (its region replaced by the registry's), counting calls in calls.
func New(s awsx.Settings, calls *awsx.Calls) *Service {
	return &Service{Client: func(ctx context.Context, region string) (API, error) {
		s.Region = region
		cfg, err := awsx.Load(ctx, s, calls)
		if err != nil {
			return nil, err
		}
		return ecr.NewFromConfig(cfg), nil
	}}
}

// AuthorizationToken calls ecr:GetAuthorizationToken in region and
// decodes its token, base64 of "USER:PASSWORD".
func (s *Service) AuthorizationToken(ctx context.Context, region string) (registry.ECRToken, error) {
	c, err := s.Client(ctx, region)
	if err != nil {
		return registry.ECRToken{}, explain(err)
	}
	out, err := c.GetAuthorizationToken(ctx, &ecr.GetAuthorizationTokenInput{})
	if err != nil {
		return registry.ECRToken{}, explain(err)
	}
	if len(out.AuthorizationData) == 0 || out.AuthorizationData[0].AuthorizationToken == nil {
		return registry.ECRToken{}, errors.New("ecr:GetAuthorizationToken returned no token")
	}
	data := out.AuthorizationData[0]
	raw, err := base64.StdEncoding.DecodeString(aws.ToString(data.AuthorizationToken))
	if err != nil {
		return registry.ECRToken{}, fmt.Errorf("ecr:GetAuthorizationToken returned a token that is not base64: %w", err)
	}
	user, password, ok := strings.Cut(string(raw), ":")
	if !ok {
		return registry.ECRToken{}, errors.New("ecr:GetAuthorizationToken returned a token that is not USER:PASSWORD")
	}
	// ECR's tokens last 12 hours; one without an expiry is used for this run only.
	expires := time.Now().Add(time.Hour)
	if data.ExpiresAt != nil {
		expires = *data.ExpiresAt
	}
	return registry.ECRToken{User: user, Password: password, Expires: expires}, nil
}

// CreateRepository calls ecr:CreateRepository; a repository that exists
// already is no error.
func (s *Service) CreateRepository(ctx context.Context, region, account, repository string) (bool, error) {
	c, err := s.Client(ctx, region)
	if err != nil {
		return false, explain(err)
	}
	_, err = c.CreateRepository(ctx, &ecr.CreateRepositoryInput{
		RepositoryName: aws.String(repository), RegistryId: aws.String(account),
		Tags: []ecrtypes.Tag{{Key: aws.String("bake:created-by"), Value: aws.String("bake")}},
	})
	var exists *ecrtypes.RepositoryAlreadyExistsException
	switch {
	case errors.As(err, &exists):
		return false, nil
	case err != nil:
		return false, explain(err)
	}
	return true, nil
}

// explain shortens the SDK's error to what a user acts on: the service's
// error code and message, or why no credentials were found.
func explain(err error) error {
	var endpoint *awsx.EndpointError
	if errors.As(err, &endpoint) {
		return endpoint
	}
	if errors.Is(err, awsx.ErrNoCredentials) {
		return credentialsError("no AWS credentials found (AWS_PROFILE, AWS_ACCESS_KEY_ID or an instance role)")
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		msg := api.ErrorCode() + ": " + api.ErrorMessage()
		switch api.ErrorCode() {
		case "UnrecognizedClientException", "InvalidClientTokenId", "InvalidSignatureException", "ExpiredTokenException":
			return credentialsError(msg)
		}
		return errors.New(msg)
	}
	if strings.Contains(err.Error(), "failed to retrieve credentials") || strings.Contains(err.Error(), "failed to refresh cached credentials") {
		return credentialsError("no AWS credentials found (AWS_PROFILE, AWS_ACCESS_KEY_ID or an instance role)")
	}
	// An answer the SDK could not decode still says, by its status, why.
	var resp *awshttp.ResponseError
	if errors.As(err, &resp) {
		switch code := resp.HTTPStatusCode(); code {
		case http.StatusUnauthorized, http.StatusForbidden:
			return credentialsError(fmt.Sprintf("AWS refused the credentials (%d %s)", code, http.StatusText(code)))
		default:
			return fmt.Errorf("AWS answered %d %s", code, http.StatusText(code))
		}
	}
	return err
}

// credentialsError is AWS refusing, or bake lacking, credentials: bad
// input, as a refused registry password is (errors.Is ErrCredentials).
type credentialsError string

func (e credentialsError) Error() string        { return string(e) }
func (e credentialsError) Is(target error) bool { return target == registry.ErrCredentials }

var _ registry.ECR = (*Service)(nil)
