package mototest

// ECSNetwork builds, on moto, the AWS around an ECS service that bake's
// ecs target expects to find: moto's default VPC with its subnets and
// default security group, a cluster, an application load balancer, a
// listener and the template target group it forwards to, task
// definitions and container instances.
//
// What moto proves with it: these resources are made and read back through
// the same API calls as on AWS, with real ARNs and IDs, so the code under
// test finds them by what its configuration names.
//
// What it does not: moto routes no traffic through the load balancer, runs
// no health check (an IP or instance target is "healthy" once registered)
// and the container instances are EC2 records with no ECS container agent
// on them; StartECSAgent plays the scheduler (see ecsagent.go).

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/bakehq/bake/internal/awsx"
)

// Region is the AWS region tests use on moto.
const Region = "us-east-1"

// AWSConfig is an AWS configuration for the moto_server at endpoint, with
// moto's dummy credentials (so it needs no environment), counting its
// calls in calls when calls is not nil.
func AWSConfig(t testing.TB, endpoint string, calls *awsx.Calls) aws.Config {
	t.Helper()
	creds := aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: "testing", SecretAccessKey: "testing", SessionToken: "testing"}, nil
	})
	cfg, err := awsx.Load(context.Background(), awsx.Settings{Region: Region, Endpoint: endpoint, Credentials: creds}, calls)
	if err != nil {
		t.Fatalf("loading the AWS configuration for moto: %v", err)
	}
	return cfg
}

// ECSNetwork is moto's default VPC as an ECS service runs in it.
type ECSNetwork struct {
	Clients        *awsx.Clients
	VPC            string   // the default VPC's ID
	Subnets        []string // its subnets, one per zone
	SecurityGroups []string // its default security group
}

// NewECSNetwork reads moto's default VPC, its subnets and its default
// security group through clients made of cfg.
func NewECSNetwork(t testing.TB, cfg aws.Config) *ECSNetwork {
	t.Helper()
	ctx := context.Background()
	n := &ECSNetwork{Clients: awsx.NewClients(cfg)}
	vpcs, err := n.Clients.EC2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{filter("is-default", "true")}})
	must(t, "reading the default VPC", err)
	if len(vpcs.Vpcs) == 0 {
		t.Fatal("moto has no default VPC")
	}
	n.VPC = aws.ToString(vpcs.Vpcs[0].VpcId)
	subnets, err := n.Clients.EC2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{filter("vpc-id", n.VPC)}})
	must(t, "reading the default VPC's subnets", err)
	for _, s := range subnets.Subnets {
		n.Subnets = append(n.Subnets, aws.ToString(s.SubnetId))
	}
	if len(n.Subnets) < 2 {
		t.Fatalf("the default VPC has %d subnets, want one per zone", len(n.Subnets))
	}
	groups, err := n.Clients.EC2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{
		filter("vpc-id", n.VPC), filter("group-name", "default")}})
	must(t, "reading the default security group", err)
	if len(groups.SecurityGroups) == 0 {
		t.Fatal("the default VPC has no default security group")
	}
	n.SecurityGroups = []string{aws.ToString(groups.SecurityGroups[0].GroupId)}
	return n
}

// AWSVPC places awsvpc tasks in the first subnet with the default group.
func (n *ECSNetwork) AWSVPC() *ecstypes.NetworkConfiguration {
	return &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{
		Subnets: n.Subnets[:1], SecurityGroups: n.SecurityGroups}}
}

// Cluster creates the ECS cluster name and returns its name.
func (n *ECSNetwork) Cluster(t testing.TB, name string) string {
	t.Helper()
	_, err := n.Clients.ECS.CreateCluster(context.Background(), &ecs.CreateClusterInput{ClusterName: aws.String(name)})
	must(t, "creating cluster "+name, err)
	return name
}

// LoadBalancer creates an application load balancer across the first two
// subnets and returns its ARN.
func (n *ECSNetwork) LoadBalancer(t testing.TB, name string) string {
	t.Helper()
	lb, err := n.Clients.ELB.CreateLoadBalancer(context.Background(), &elbv2.CreateLoadBalancerInput{Name: aws.String(name), Subnets: n.Subnets[:2]})
	must(t, "creating load balancer "+name, err)
	return aws.ToString(lb.LoadBalancers[0].LoadBalancerArn)
}

// TargetGroup creates an HTTP target group of kind targets on port with
// health check path /healthz, as an ecs target's template group, and
// returns its ARN.
func (n *ECSNetwork) TargetGroup(t testing.TB, name string, port int32, kind elbtypes.TargetTypeEnum) string {
	t.Helper()
	tg, err := n.Clients.ELB.CreateTargetGroup(context.Background(), &elbv2.CreateTargetGroupInput{
		Name: aws.String(name), Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(port),
		VpcId: aws.String(n.VPC), TargetType: kind, HealthCheckPath: aws.String("/healthz"),
	})
	must(t, "creating target group "+name, err)
	return aws.ToString(tg.TargetGroups[0].TargetGroupArn)
}

// Listener creates an HTTP listener of load balancer lb on port that
// forwards to target group group, and returns its ARN.
func (n *ECSNetwork) Listener(t testing.TB, lb string, port int32, group string) string {
	t.Helper()
	l, err := n.Clients.ELB.CreateListener(context.Background(), &elbv2.CreateListenerInput{
		LoadBalancerArn: aws.String(lb), Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(port),
		DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: aws.String(group)}},
	})
	must(t, fmt.Sprintf("creating a listener on port %d", port), err)
	return aws.ToString(l.Listeners[0].ListenerArn)
}

// FargateTaskDefinition registers family as a Fargate awsvpc task (256
// CPU units, 512 MiB) of one container "web" listening on 8080 with
// containerCPU units, and returns the revision's ARN.
func (n *ECSNetwork) FargateTaskDefinition(t testing.TB, family string, containerCPU int32) string {
	t.Helper()
	td, err := n.Clients.ECS.RegisterTaskDefinition(context.Background(), &ecs.RegisterTaskDefinitionInput{
		Family: aws.String(family), NetworkMode: ecstypes.NetworkModeAwsvpc,
		RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityFargate},
		Cpu:                     aws.String("256"), Memory: aws.String("512"),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{
			Name: aws.String("web"), Image: aws.String("registry.local/web@sha256:" + strings.Repeat("a", 64)),
			Cpu: containerCPU, Memory: aws.Int32(512), MemoryReservation: aws.Int32(256), Essential: aws.Bool(true),
			PortMappings: []ecstypes.PortMapping{{ContainerPort: aws.Int32(8080)}},
		}},
	})
	must(t, "registering task definition "+family, err)
	return aws.ToString(td.TaskDefinition.TaskDefinitionArn)
}

// ContainerInstances runs count EC2 instances of one of Amazon's AMIs and
// registers each in cluster as the ECS container agent would; it returns
// their instance IDs.
func (n *ECSNetwork) ContainerInstances(t testing.TB, cluster string, count int) []string {
	t.Helper()
	ctx := context.Background()
	images, err := n.Clients.EC2.DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"amazon"}})
	must(t, "reading Amazon's AMIs", err)
	if len(images.Images) == 0 {
		t.Fatal("moto has no AMI of Amazon's")
	}
	run, err := n.Clients.EC2.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: images.Images[0].ImageId,
		InstanceType: ec2types.InstanceTypeT3Medium, MinCount: aws.Int32(int32(count)), MaxCount: aws.Int32(int32(count))})
	must(t, "running container instances", err)
	var ids []string
	for _, i := range run.Instances {
		ids = append(ids, aws.ToString(i.InstanceId))
		doc, err := json.Marshal(map[string]string{"instanceId": aws.ToString(i.InstanceId), "region": Region})
		must(t, "writing an instance identity document", err)
		_, err = n.Clients.ECS.RegisterContainerInstance(ctx, &ecs.RegisterContainerInstanceInput{
			Cluster: aws.String(cluster), InstanceIdentityDocument: aws.String(string(doc))})
		must(t, "registering container instance "+aws.ToString(i.InstanceId), err)
	}
	return ids
}

func filter(name, value string) ec2types.Filter {
	return ec2types.Filter{Name: aws.String(name), Values: []string{value}}
}

func must(t testing.TB, doing string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", doing, err)
	}
}
