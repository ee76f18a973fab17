package asg

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/targets"
)

// Pointer is the value of an environment's SSM parameter: what runs there,
// for Terraform (data "aws_ssm_parameter" + jsondecode) and other tools.
type Pointer struct {
	Version    string            `json:"version"`
	Digest     string            `json:"digest"`
	AMIs       map[string]string `json:"amis"` // region -> AMI id
	DeployedAt time.Time         `json:"deployed_at"`
}

// ParameterName is the SSM parameter that says what image runs in env.
func ParameterName(project, image, env string) string {
	return fmt.Sprintf("/bake/%s/%s/%s", project, image, env)
}

// Point writes the environment's SSM parameter after dep was recorded: a
// String parameter holding a Pointer as JSON, overwritten each time.
func (t *Target) Point(ctx context.Context, req targets.Request, dep ledger.Deployment) error {
	amis := req.Release.AMIs
	if amis == nil {
		amis = map[string]string{}
	}
	value, err := json.Marshal(Pointer{Version: dep.Version, Digest: dep.Digest, AMIs: amis, DeployedAt: dep.FinishedAt.UTC()})
	if err != nil {
		return err
	}
	name := ParameterName(t.Project, req.Image.Name, req.Env)
	_, err = t.SSM.PutParameter(ctx, &ssm.PutParameterInput{
		Name:        aws.String(name),
		Value:       aws.String(string(value)),
		Type:        ssmtypes.ParameterTypeString,
		Overwrite:   aws.Bool(true),
		Description: aws.String(fmt.Sprintf("what %s runs in %s; written by bake after each deployment", req.Image.Name, req.Env)),
	})
	if err != nil {
		return fmt.Errorf("writing SSM parameter %s: %w", name, err)
	}
	t.say("wrote %s: %s@%s", name, req.Image.Name, dep.Version)
	return nil
}
