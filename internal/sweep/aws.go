package sweep

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/cenkalti/backoff/v5"

	"github.com/bakehq/bake/internal/awsx"
	"github.com/bakehq/bake/internal/engine"
)

// AWS resources sweep --aws removes, in the order it removes them:
// instances hold security groups and key pairs, launch templates and AMIs
// are removed last.
const (
	Instance       Resource = "instance"
	SecurityGroup  Resource = "security-group"
	KeyPair        Resource = "key-pair"
	LaunchTemplate Resource = "launch-template"
	AMI            Resource = "ami"
)

// AWSSweeper finds and removes what bake runs left in AWS: build and
// sandbox instances, their security groups and key pairs, launch templates
// no Auto Scaling group uses, AMIs no release records, and, where ECS
// names places, the ECS services, target groups and task definition
// revisions of releases that never succeeded there (aws_ecs.go). Auto
// Scaling groups, and the instances they run, are never swept:
// environments run them, or keep them for rollback.
type AWSSweeper struct {
	Clients *awsx.Clients
	// Regions to look in besides the clients' own: where releases' AMIs were copied.
	Regions []string
	// Recorded reports whether a release in the ledger records the AMI.
	Recorded func(region, ami string) bool
	// Known reports whether a bake run with this operation id is known to
	// have run: the local run journal or the ledger names it. Anyone who can
	// tag a resource can give it bake's tags, so a leftover of an operation
	// not known is listed with LeftAlone and never removed; nil knows none.
	Known func(operation string) bool
	// ECS are where bake.yaml's ecs targets deploy, in the clients' region:
	// sweep looks there for services, target groups and task definition
	// revisions killed deployments left. None, no ECS call is made.
	ECS []ECSPlace
	// Succeeded reports whether the ledger records a deployment of
	// image@version to env that succeeded: what it made runs or is kept.
	Succeeded func(image, env, version string) bool
	// Now is the clock ages are measured against; nil means time.Now.
	Now func() time.Time

	ecsClusters map[string]string // the cluster of each ECS service Find listed, by ARN
}

// Find lists the AWS leftovers sel selects in every region. It changes nothing.
func (s *AWSSweeper) Find(ctx context.Context, sel Selector) ([]Leftover, error) {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	at := now()
	var out []Leftover
	for _, region := range s.regions() {
		found, err := s.findIn(ctx, s.Clients.In(region), region, sel, at)
		if err != nil {
			return nil, fmt.Errorf("looking for leftovers in %s: %w", region, err)
		}
		out = append(out, found...)
	}
	order := map[Resource]int{Instance: 0, SecurityGroup: 1, KeyPair: 2, LaunchTemplate: 3, AMI: 4,
		ECSService: 5, TargetGroup: 6, TaskDefinition: 7}
	sort.SliceStable(out, func(i, j int) bool { return order[out[i].Resource] < order[out[j].Resource] })
	return out, nil
}

func (s *AWSSweeper) regions() []string {
	out := []string{s.Clients.Config.Region}
	for _, r := range s.Regions {
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

// bakeFilter selects the resources bake tagged for sel.
func bakeFilter(sel Selector) []ec2types.Filter {
	f := []ec2types.Filter{{Name: aws.String("tag-key"), Values: []string{engine.LabelOperation}}}
	if sel.Project != "" {
		f = append(f, ec2types.Filter{Name: aws.String("tag:" + engine.LabelProject), Values: []string{sel.Project}})
	}
	if sel.Operation != "" {
		f = append(f, ec2types.Filter{Name: aws.String("tag:" + engine.LabelOperation), Values: []string{sel.Operation}})
	}
	return f
}

func tagMap(tags []ec2types.Tag) map[string]string {
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

func (s *AWSSweeper) findIn(ctx context.Context, c *awsx.Clients, region string, sel Selector, at time.Time) ([]Leftover, error) {
	var out []Leftover
	// add lists a leftover sel selects, and reports whether it will be removed.
	add := func(res Resource, id, name string, tags map[string]string, created time.Time) bool {
		when, ok := sel.match(tags, created, at)
		if !ok {
			return false
		}
		age := max(at.Sub(when), 0).Truncate(time.Second)
		l := Leftover{
			Resource: res, ID: id, Name: name, Region: region, Project: tags[engine.LabelProject],
			Operation: tags[engine.LabelOperation], Kind: tags[engine.LabelKind],
			Created: when.UTC(), Age: age, AgeSeconds: int64(age / time.Second),
		}
		if s.Known == nil || !s.Known(l.Operation) {
			l.LeftAlone = "no bake run known here created it (operation " + l.Operation + " is in neither the run journal nor the ledger)"
		}
		out = append(out, l)
		return l.LeftAlone == ""
	}

	pi := ec2.NewDescribeInstancesPaginator(c.EC2, &ec2.DescribeInstancesInput{Filters: append(bakeFilter(sel),
		ec2types.Filter{Name: aws.String("instance-state-name"), Values: []string{"pending", "running", "stopping", "stopped"}})})
	for pi.HasMorePages() {
		page, err := pi.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, r := range page.Reservations {
			for _, i := range r.Instances {
				tags := tagMap(i.Tags)
				if _, managed := tags["aws:autoscaling:groupName"]; managed || tags[engine.LabelKind] == engine.KindReplica {
					continue
				}
				add(Instance, aws.ToString(i.InstanceId), tags["Name"], tags, aws.ToTime(i.LaunchTime))
			}
		}
	}

	pg := ec2.NewDescribeSecurityGroupsPaginator(c.EC2, &ec2.DescribeSecurityGroupsInput{Filters: bakeFilter(sel)})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, g := range page.SecurityGroups {
			add(SecurityGroup, aws.ToString(g.GroupId), aws.ToString(g.GroupName), tagMap(g.Tags), time.Time{})
		}
	}

	keys, err := c.EC2.DescribeKeyPairs(ctx, &ec2.DescribeKeyPairsInput{Filters: bakeFilter(sel)})
	if err != nil {
		return nil, err
	}
	for _, k := range keys.KeyPairs {
		add(KeyPair, aws.ToString(k.KeyPairId), aws.ToString(k.KeyName), tagMap(k.Tags), aws.ToTime(k.CreateTime))
	}

	inUse, err := launchTemplatesInUse(ctx, c)
	if err != nil {
		return nil, err
	}
	pl := ec2.NewDescribeLaunchTemplatesPaginator(c.EC2, &ec2.DescribeLaunchTemplatesInput{Filters: bakeFilter(sel)})
	for pl.HasMorePages() {
		page, err := pl.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, lt := range page.LaunchTemplates {
			if inUse[aws.ToString(lt.LaunchTemplateId)] || inUse[aws.ToString(lt.LaunchTemplateName)] {
				continue
			}
			// It carries the labels of the group it was made for, a
			// replica's; no group uses it, so it is a leftover all the same.
			tags := tagMap(lt.Tags)
			delete(tags, engine.LabelKind)
			add(LaunchTemplate, aws.ToString(lt.LaunchTemplateId), aws.ToString(lt.LaunchTemplateName), tags, aws.ToTime(lt.CreateTime))
		}
	}

	pm := ec2.NewDescribeImagesPaginator(c.EC2, &ec2.DescribeImagesInput{Owners: []string{"self"}, Filters: bakeFilter(sel)})
	for pm.HasMorePages() {
		page, err := pm.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, img := range page.Images {
			id := aws.ToString(img.ImageId)
			if s.Recorded != nil && s.Recorded(region, id) {
				continue
			}
			created, _ := time.Parse(time.RFC3339, aws.ToString(img.CreationDate))
			add(AMI, id, aws.ToString(img.Name), tagMap(img.Tags), created)
		}
	}
	if len(s.ECS) > 0 && region == s.Clients.Config.Region {
		if err := s.findECS(ctx, c, add); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// launchTemplatesInUse names the launch templates (by id and by name) an
// Auto Scaling group of the region uses.
func launchTemplatesInUse(ctx context.Context, c *awsx.Clients) (map[string]bool, error) {
	used := map[string]bool{}
	p := autoscaling.NewDescribeAutoScalingGroupsPaginator(c.AutoScaling, &autoscaling.DescribeAutoScalingGroupsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, g := range page.AutoScalingGroups {
			if lt := g.LaunchTemplate; lt != nil {
				used[aws.ToString(lt.LaunchTemplateId)] = true
				used[aws.ToString(lt.LaunchTemplateName)] = true
			}
		}
	}
	delete(used, "")
	return used, nil
}

// Remove removes the leftovers in order, marking each Removed or giving its
// Error; it goes on after a failure and returns an error naming how many
// failed.
func (s *AWSSweeper) Remove(ctx context.Context, found []Leftover) error {
	failed := 0
	// Instances first, and wait until they are gone: they hold the groups and keys.
	byRegion := map[string][]string{}
	for i := range found {
		if found[i].Resource == Instance && found[i].LeftAlone == "" {
			byRegion[found[i].Region] = append(byRegion[found[i].Region], found[i].ID)
		}
	}
	for region, ids := range byRegion {
		err := s.terminate(ctx, s.Clients.In(region), ids)
		for i := range found {
			if found[i].Resource == Instance && found[i].Region == region && found[i].LeftAlone == "" {
				found[i].Removed, found[i].Error = err == nil, errText(err)
			}
		}
	}
	for i := range found {
		l := &found[i]
		if l.LeftAlone != "" {
			continue
		}
		if l.Resource == Instance {
			if !l.Removed {
				failed++
			}
			continue
		}
		err := s.removeOne(ctx, s.Clients.In(l.Region), *l)
		l.Removed, l.Error = err == nil, errText(err)
		if err != nil {
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d AWS leftovers could not be removed (see above)", failed, len(found))
	}
	return nil
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func (s *AWSSweeper) terminate(ctx context.Context, c *awsx.Clients, ids []string) error {
	if _, err := c.EC2.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: ids}); err != nil {
		return err
	}
	w := ec2.NewInstanceTerminatedWaiter(c.EC2)
	return w.Wait(ctx, &ec2.DescribeInstancesInput{InstanceIds: ids}, 10*time.Minute)
}

func (s *AWSSweeper) removeOne(ctx context.Context, c *awsx.Clients, l Leftover) error {
	switch l.Resource {
	case SecurityGroup:
		// A security group stays in use for a while after its instance ended.
		_, err := backoff.Retry(ctx, func() (struct{}, error) {
			_, err := c.EC2.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(l.ID)})
			if err != nil && !isCode(err, "DependencyViolation") {
				return struct{}{}, backoff.Permanent(err)
			}
			return struct{}{}, err
		}, backoff.WithMaxElapsedTime(3*time.Minute))
		return err
	case KeyPair:
		// By name: moto ignores a key pair id here.
		_, err := c.EC2.DeleteKeyPair(ctx, &ec2.DeleteKeyPairInput{KeyName: aws.String(l.Name)})
		return err
	case LaunchTemplate:
		_, err := c.EC2.DeleteLaunchTemplate(ctx, &ec2.DeleteLaunchTemplateInput{LaunchTemplateId: aws.String(l.ID)})
		return err
	case AMI:
		return deregister(ctx, c, l.ID)
	case ECSService, TargetGroup, TaskDefinition:
		return s.removeECS(ctx, c, l)
	}
	return fmt.Errorf("unknown resource %q", l.Resource)
}

// deregister removes an AMI and the snapshots behind it.
func deregister(ctx context.Context, c *awsx.Clients, id string) error {
	out, err := c.EC2.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{id}})
	if err != nil {
		return err
	}
	if _, err := c.EC2.DeregisterImage(ctx, &ec2.DeregisterImageInput{ImageId: aws.String(id)}); err != nil {
		return err
	}
	var errs []error
	for _, img := range out.Images {
		for _, m := range img.BlockDeviceMappings {
			if m.Ebs == nil || m.Ebs.SnapshotId == nil {
				continue
			}
			if _, err := c.EC2.DeleteSnapshot(ctx, &ec2.DeleteSnapshotInput{SnapshotId: m.Ebs.SnapshotId}); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// isCode reports whether err is an AWS API error with one of codes.
func isCode(err error, codes ...string) bool {
	var api interface{ ErrorCode() string }
	return errors.As(err, &api) && slices.Contains(codes, api.ErrorCode())
}
