package ecs

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/bakehq/bake/internal/engine"
	"github.com/bakehq/bake/internal/targets"
)

// maxTargetGroupName is the longest target group name Elastic Load
// Balancing accepts.
const maxTargetGroupName = 32

// family is the task definition family of req's target: PROJECT-ENV-SERVICE.
func (t *Target) family(req targets.Request) string {
	return req.Target.ECS.Family(t.Project, req.Env)
}

// serviceName is the ECS service of req's release: SERVICE-vVERSION.
func serviceName(req targets.Request) string {
	return req.Target.ECS.ServiceName(req.Release.Version)
}

// TargetGroupName is the target group of one release's service: as much
// of its service's name as fits, then a hash of project, environment and
// service, so that it is unique per release within the 32 characters ELB
// allows (letters, digits and hyphens, no hyphen at either end).
func TargetGroupName(project, env, service string) string {
	sum := sha256.Sum256([]byte(project + "\x00" + env + "\x00" + service))
	suffix := hex.EncodeToString(sum[:])[:8]
	head := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		}
		return '-'
	}, service)
	if len(head) > maxTargetGroupName-len(suffix)-1 {
		head = head[:maxTargetGroupName-len(suffix)-1]
	}
	head = strings.Trim(head, "-")
	if head == "" {
		return suffix
	}
	return head + "-" + suffix
}

// labels are bake's tags of everything made for req's release.
func (t *Target) labels(req targets.Request) map[string]string {
	return engine.Labels(t.Operation, engine.KindReplica, map[string]string{
		engine.LabelProject: t.Project, engine.LabelEnv: req.Env, engine.LabelImage: req.Image.Name,
		engine.LabelVersion: req.Release.Version, engine.LabelDigest: req.Release.Digest,
	})
}

// sortedKeys returns the keys of m in order, so that requests are the same
// from run to run.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// ecsTags turns labels into ECS tags.
func ecsTags(labels map[string]string) []ecstypes.Tag {
	out := make([]ecstypes.Tag, 0, len(labels))
	for _, k := range sortedKeys(labels) {
		out = append(out, ecstypes.Tag{Key: aws.String(k), Value: aws.String(labels[k])})
	}
	return out
}

// elbTags turns labels into Elastic Load Balancing tags.
func elbTags(labels map[string]string) []elbtypes.Tag {
	out := make([]elbtypes.Tag, 0, len(labels))
	for _, k := range sortedKeys(labels) {
		out = append(out, elbtypes.Tag{Key: aws.String(k), Value: aws.String(labels[k])})
	}
	return out
}

// tagMap reads ECS tags back into labels.
func tagMap(tags []ecstypes.Tag) map[string]string {
	out := make(map[string]string, len(tags))
	for _, tag := range tags {
		out[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
	}
	return out
}

// tgName shortens a target group ARN to its name, for messages.
func tgName(arn string) string {
	_, rest, ok := strings.Cut(arn, ":targetgroup/")
	if !ok {
		return arn
	}
	name, _, _ := strings.Cut(rest, "/")
	return name
}
