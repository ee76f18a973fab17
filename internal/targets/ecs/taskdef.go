package ecs

import (
	"context"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/targets"
)

// containerName is the name of the release's container in its task
// definition: the image's name.
func containerName(req targets.Request) string { return req.Image.Name }

// port is the container port the release serves on: the target's, or
// the image's.
func port(req targets.Request) int32 {
	if p := req.Target.ECS.Port; p > 0 {
		return int32(p)
	}
	return int32(req.Image.Port)
}

// memoryReservation is the container's soft memory limit: the task's
// memory, or 128 MiB when the task has none, so that EC2 tasks can be
// placed (a container needs a memory or a memoryReservation).
func memoryReservation(e *config.ECS) int32 {
	if e.Memory > 0 {
		return int32(e.Memory)
	}
	return 128
}

// taskDefinitionInput is the revision of req's release in the target's
// family: one container running the release by digest, on its port, tagged
// with the release's labels.
func (t *Target) taskDefinitionInput(req targets.Request) *ecs.RegisterTaskDefinitionInput {
	e := req.Target.ECS
	c := ecstypes.ContainerDefinition{
		Name:              aws.String(containerName(req)),
		Image:             aws.String(req.Release.Reference),
		Essential:         aws.Bool(true),
		MemoryReservation: aws.Int32(memoryReservation(e)),
	}
	if p := port(req); p > 0 {
		pm := ecstypes.PortMapping{ContainerPort: aws.Int32(p), Protocol: ecstypes.TransportProtocolTcp}
		if e.NetworkMode == config.ECSBridge {
			pm.HostPort = aws.Int32(0) // a dynamic host port: several tasks per instance
		}
		c.PortMappings = []ecstypes.PortMapping{pm}
	}
	in := &ecs.RegisterTaskDefinitionInput{
		Family:                  aws.String(t.family(req)),
		ContainerDefinitions:    []ecstypes.ContainerDefinition{c},
		NetworkMode:             ecstypes.NetworkMode(e.NetworkMode),
		RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.Compatibility(e.LaunchType)},
		Tags:                    ecsTags(t.labels(req)),
	}
	if e.CPU > 0 {
		in.Cpu = aws.String(strconv.Itoa(e.CPU))
	}
	if e.Memory > 0 {
		in.Memory = aws.String(strconv.Itoa(e.Memory))
	}
	if e.ExecutionRole != "" {
		in.ExecutionRoleArn = aws.String(e.ExecutionRole)
	}
	if e.TaskRole != "" {
		in.TaskRoleArn = aws.String(e.TaskRole)
	}
	return in
}

// registerTaskDefinition registers req's revision and returns its ARN.
func (t *Target) registerTaskDefinition(ctx context.Context, req targets.Request) (string, error) {
	out, err := t.ECS.RegisterTaskDefinition(ctx, t.taskDefinitionInput(req))
	if err != nil {
		return "", fmt.Errorf("registering a task definition in family %q: %w", t.family(req), err)
	}
	return aws.ToString(out.TaskDefinition.TaskDefinitionArn), nil
}

// deleteTaskDefinition deregisters the revision arn and deletes it; one
// already gone is not an error.
func (t *Target) deleteTaskDefinition(ctx context.Context, arn string) error {
	if arn == "" {
		return nil
	}
	_, err := t.ECS.DeregisterTaskDefinition(ctx, &ecs.DeregisterTaskDefinitionInput{TaskDefinition: aws.String(arn)})
	if err != nil && !isCode(err, "ClientException", "ResourceNotFoundException") {
		return fmt.Errorf("deregistering task definition %s: %w", arn, err)
	}
	out, err := t.ECS.DeleteTaskDefinitions(ctx, &ecs.DeleteTaskDefinitionsInput{TaskDefinitions: []string{arn}})
	if err != nil {
		return fmt.Errorf("deleting task definition %s: %w", arn, err)
	}
	for _, f := range out.Failures {
		return fmt.Errorf("deleting task definition %s: %s", arn, aws.ToString(f.Reason))
	}
	return nil
}
