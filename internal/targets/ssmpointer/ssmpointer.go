// Package ssmpointer writes the SSM parameter that says what an
// environment runs, once a deployment on an AWS target (asg, ecs) is
// recorded, for Terraform (data "aws_ssm_parameter" + jsondecode) and
// other tools.
package ssmpointer

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// Pointer is the value of an environment's SSM parameter: what runs there.
type Pointer struct {
	Version string            `json:"version"`
	Digest  string            `json:"digest"`
	AMIs    map[string]string `json:"amis"` // region -> AMI id; empty for a container release
	// Image is the container image by digest (ecs targets); "" for AMIs.
	Image      string    `json:"image,omitempty"`
	DeployedAt time.Time `json:"deployed_at"`
}

// API is what Write asks of SSM; *ssm.Client has it.
type API interface {
	PutParameter(context.Context, *ssm.PutParameterInput, ...func(*ssm.Options)) (*ssm.PutParameterOutput, error)
}

// Name is the SSM parameter that says what image runs in env.
func Name(project, image, env string) string {
	return fmt.Sprintf("/bake/%s/%s/%s", project, image, env)
}

// Write puts p into the parameter of image in env (a String parameter
// holding p as JSON, overwritten each time) and returns its name.
func Write(ctx context.Context, api API, project, image, env string, p Pointer) (string, error) {
	if p.AMIs == nil {
		p.AMIs = map[string]string{}
	}
	p.DeployedAt = p.DeployedAt.UTC()
	value, err := json.Marshal(p)
	if err != nil {
		return "", err
	}
	name := Name(project, image, env)
	_, err = api.PutParameter(ctx, &ssm.PutParameterInput{
		Name:        aws.String(name),
		Value:       aws.String(string(value)),
		Type:        ssmtypes.ParameterTypeString,
		Overwrite:   aws.Bool(true),
		Description: aws.String(fmt.Sprintf("what %s runs in %s; written by bake after each deployment", image, env)),
	})
	if err != nil {
		return "", fmt.Errorf("writing SSM parameter %s: %w", name, err)
	}
	return name, nil
}
