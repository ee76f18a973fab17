// Package awsx builds the one aws-sdk-go-v2 configuration every AWS call in
// bake uses: credentials and region from the SDK's standard chain, an
// endpoint override (bake.yaml's aws.endpoint, or AWS_ENDPOINT_URL), the
// SDK's standard retryer with more attempts, one clear error for an
// endpoint that keeps failing, and a count of API calls.
package awsx

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go/logging"
	"github.com/aws/smithy-go/middleware"

	"github.com/bakehq/bake/internal/callcount"
)

// ErrNoRegion means neither bake.yaml nor the environment names a region.
var ErrNoRegion = errors.New("no AWS region: set aws.region in bake.yaml or AWS_REGION")

// MaxAttempts is how many times the SDK tries a call that fails with a
// retryable error (throttling, 5xx, connection resets) before giving up,
// unless AWS_MAX_ATTEMPTS says otherwise.
const MaxAttempts = 8

// Settings are what bake.yaml says about AWS; empty fields leave the
// SDK's standard chain (AWS_REGION, AWS_ENDPOINT_URL, profiles) in charge.
type Settings struct {
	Region   string
	Endpoint string
	// Credentials, when set, are used instead of the SDK's chain (a
	// program that holds its own, such as a test talking to moto).
	Credentials aws.CredentialsProvider
}

// Load returns the SDK configuration for s. Every client made from it
// reaches s.Endpoint when set (the SDK itself honours AWS_ENDPOINT_URL and
// AWS_ENDPOINT_URL_<SERVICE> otherwise), tries each call MaxAttempts times
// (AWS_MAX_ATTEMPTS, as the SDK reads it, overrides that), reports an
// endpoint that failed every attempt as an *EndpointError, and counts its
// calls in calls when calls is not nil. The SDK's own log stays silent: it
// would write over bake's output.
func Load(ctx context.Context, s Settings, calls *Calls) (aws.Config, error) {
	attempts := MaxAttempts
	if env, err := awsconfig.NewEnvConfig(); err == nil && env.RetryMaxAttempts > 0 {
		attempts = env.RetryMaxAttempts
	}
	opts := []func(*awsconfig.LoadOptions) error{
		awsconfig.WithRetryer(func() aws.Retryer {
			return fastRefusal{retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts = attempts })}
		}),
		awsconfig.WithLogger(logging.Nop{}),
	}
	if s.Region != "" {
		opts = append(opts, awsconfig.WithRegion(s.Region))
	}
	if s.Endpoint != "" {
		opts = append(opts, awsconfig.WithBaseEndpoint(s.Endpoint))
	}
	if s.Credentials != nil {
		opts = append(opts, awsconfig.WithCredentialsProvider(s.Credentials))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("loading AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return aws.Config{}, ErrNoRegion
	}
	if err := credentialsFound(ctx, cfg); err != nil {
		return aws.Config{}, err
	}
	cfg.APIOptions = append(cfg.APIOptions, explainFailures)
	if calls != nil {
		cfg.APIOptions = append(cfg.APIOptions, calls.middleware)
	}
	return cfg, nil
}

// InRegion returns a copy of cfg for another region.
func InRegion(cfg aws.Config, region string) aws.Config {
	c := cfg.Copy()
	c.Region = region
	return c
}

// Calls counts API calls by "Service.Operation", each attempt once.
type Calls struct {
	callcount.Counter
}

// middleware counts each attempt of each call at the finalize step, after
// the retryer, so that retries count too.
func (c *Calls) middleware(stack *middleware.Stack) error {
	return stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("bakeCountCalls",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			c.Add(awsmiddleware.GetServiceID(ctx) + "." + awsmiddleware.GetOperationName(ctx))
			return next.HandleFinalize(ctx, in)
		}), middleware.After)
}
