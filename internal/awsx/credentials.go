package awsx

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/ec2rolecreds"
)

// ErrNoCredentials means the SDK's standard chain found no AWS credentials:
// none in the environment or the shared files, and no instance role.
var ErrNoCredentials = errors.New("AWS credentials not found: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, " +
	"or run where an instance role provides them")

// credentialsFound retrieves cfg's credentials once; the SDK caches them
// for every client made from cfg, so no call is added. When the chain fell
// through to the instance metadata service and that has none, nothing
// provides credentials: ErrNoCredentials, before any call is retried in
// vain. Any other failure is left to the first call, which names it.
func credentialsFound(ctx context.Context, cfg aws.Config) error {
	if cfg.Credentials == nil {
		return nil
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil && aws.IsCredentialsProvider(cfg.Credentials, (*ec2rolecreds.Provider)(nil)) {
		return ErrNoCredentials
	}
	return nil
}
