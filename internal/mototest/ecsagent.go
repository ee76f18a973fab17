package mototest

// The ECS agent plays, against moto, the part of ECS that moto leaves out.
//
// What moto proves: bake's ECS calls are accepted as sent (task definition
// revisions, services with their network and load balancer settings,
// UpdateService, DeleteService, tags, ELB listeners and target groups) and
// bake reads the answers back correctly (with awsx.ECSNumbersAsStrings).
//
// What it cannot: moto starts no task for a service and progresses no
// deployment. A service's runningCount is 0 at creation and jumps to the
// new desiredCount on UpdateService, whatever runs; ListTasks ignores
// serviceName (it lists the whole cluster); a task's lastStatus moves one
// step towards STOPPED at every DescribeTasks that names it, unless the
// ecs::task state transition is changed; a registered IP target is
// "healthy" at once, with no health check. So no test on moto shows that a
// container starts, passes a health check or serves traffic.
//
// The agent closes that gap through the public API only, as ECS's
// scheduler would, so that bake has no test-only branch: every tick it
// runs tasks (RunTask, group "service:NAME", startedBy the service's
// primary deployment) until the service's RUNNING tasks match its
// desiredCount, stops extra ones and the tasks of deleted services,
// registers each running task's IP and container port (awsvpc), or its
// EC2 instance id and host port (bridge, see ecsagent_instances.go), in
// the service's target groups and deregisters stopped ones. Its Fate decides, per service
// name or name prefix, whether tasks get healthy, crash, or never register.
// bake therefore counts RUNNING tasks in group "service:NAME" (after
// ListTasks) and reads target health; it must not trust runningCount.

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/bakehq/bake/internal/awsx"
)

// Fate is what happens to the tasks the agent starts for a service.
type Fate int

const (
	// FateHealthy tasks run and register in the service's target groups.
	FateHealthy Fate = iota
	// FateCrash tasks start, then stop soon after with CrashReason, never
	// registered in a target group (a load balancer would not have found
	// them healthy yet).
	FateCrash
	// FateUnregistered tasks run but never register in a target group.
	FateUnregistered
)

// CrashReason is the stoppedReason of a task whose service has FateCrash.
const CrashReason = "Essential container in task exited"

// agentTick is how often the agent looks at the cluster.
const agentTick = 150 * time.Millisecond

// crashAfter is how long a FateCrash task runs before it stops.
const crashAfter = 300 * time.Millisecond

// ECSAgent runs and stops tasks of one cluster's services on moto.
type ECSAgent struct {
	logf    func(format string, args ...any)
	clients *awsx.Clients
	cluster string

	mu    sync.Mutex
	fates map[string]Fate // by service name or name prefix

	seen       map[string]time.Time // task ARN -> when the agent first saw it running
	registered map[string][]target  // task ARN -> where it is registered
	logged     map[string]bool      // errors already logged
	instances  map[string]string    // container instance ARN -> EC2 instance id
	hostPorts  map[string]int32     // task definition ARN -> its host port (0: dynamic)
	dynamic    map[string]int32     // task ARN -> the dynamic host port the agent gave it
	nextPort   int32

	stop chan struct{}
	done chan struct{}
}

// target is one registration of a task in a target group.
type target struct {
	group string
	id    string // IP (awsvpc) or EC2 instance id (bridge)
	port  int32
}

// StartECSAgent starts an agent for cluster on the moto endpoint and in
// the region of cfg (see NewECSAgent); it logs to the test and stops when
// the test ends.
func StartECSAgent(t testing.TB, cfg aws.Config, cluster string) *ECSAgent {
	t.Helper()
	a, err := NewECSAgent(cfg, cluster, t.Logf)
	if err != nil {
		t.Fatalf("ecs agent: %v", err)
	}
	t.Cleanup(a.Stop)
	return a
}

// NewECSAgent starts an agent for cluster on the moto endpoint and in the
// region of cfg, outside a test (the bench); logf gets each distinct error
// once, and Stop ends it. Its calls go through a configuration of its own,
// so that a count of cfg's calls holds only the code under test's (it
// shares only cfg's credentials). It makes moto keep a task's lastStatus
// until the task is stopped (moto's default moves it on at every
// DescribeTasks).
func NewECSAgent(cfg aws.Config, cluster string, logf func(format string, args ...any)) (*ECSAgent, error) {
	if err := holdTaskStatus(cfg); err != nil {
		return nil, err
	}
	// cfg's credentials, so that the agent works in a test binary that
	// sets them on its configuration rather than in the environment.
	own, err := awsx.Load(context.Background(), awsx.Settings{Region: cfg.Region, Endpoint: *cfg.BaseEndpoint,
		Credentials: cfg.Credentials}, nil)
	if err != nil {
		return nil, err
	}
	a := &ECSAgent{
		logf:       logf,
		clients:    awsx.NewClients(own),
		cluster:    cluster,
		fates:      map[string]Fate{},
		seen:       map[string]time.Time{},
		registered: map[string][]target{},
		logged:     map[string]bool{},
		instances:  map[string]string{},
		hostPorts:  map[string]int32{},
		dynamic:    map[string]int32{},
		stop:       make(chan struct{}),
		done:       make(chan struct{}),
	}
	go a.run()
	return a, nil
}

// SetFate sets the fate of the tasks of the service named service, or of
// every service whose name starts with service; the longest match wins.
// It may be called before the service exists.
func (a *ECSAgent) SetFate(service string, f Fate) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.fates[service] = f
}

// Stop stops the agent and waits until its last tick is over; tasks and
// registrations stay as they are.
func (a *ECSAgent) Stop() {
	select {
	case <-a.stop:
	default:
		close(a.stop)
	}
	<-a.done
}

func (a *ECSAgent) fate(service string) Fate {
	a.mu.Lock()
	defer a.mu.Unlock()
	if f, ok := a.fates[service]; ok {
		return f
	}
	best, fate := -1, FateHealthy
	for prefix, f := range a.fates {
		if strings.HasPrefix(service, prefix) && len(prefix) > best {
			best, fate = len(prefix), f
		}
	}
	return fate
}

func (a *ECSAgent) run() {
	defer close(a.done)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-a.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	ticker := time.NewTicker(agentTick)
	defer ticker.Stop()
	for {
		if err := a.tick(ctx); err != nil && ctx.Err() == nil {
			a.logOnce(err)
		}
		select {
		case <-a.stop:
			return
		case <-ticker.C:
		}
	}
}

// logOnce logs err unless the same message was logged before.
func (a *ECSAgent) logOnce(err error) {
	msg := err.Error()
	if a.logged[msg] {
		return
	}
	a.logged[msg] = true
	a.logf("ecs agent (cluster %q): %v", a.cluster, err)
}

// tick brings every service of the cluster one step closer to its
// desiredCount and its tasks' registrations up to date.
func (a *ECSAgent) tick(ctx context.Context) error {
	services, err := a.services(ctx)
	if err != nil {
		return err
	}
	running, err := a.runningTasks(ctx)
	if err != nil {
		return err
	}
	now := time.Now()
	live := map[string]bool{}
	for _, tasks := range running {
		for _, task := range tasks {
			arn := aws.ToString(task.TaskArn)
			live[arn] = true
			if _, ok := a.seen[arn]; !ok {
				a.seen[arn] = now
			}
		}
	}
	// Tasks stopped by anyone leave their target groups.
	for arn := range a.registered {
		if !live[arn] {
			a.deregister(ctx, arn)
		}
	}
	for arn := range a.seen {
		if !live[arn] {
			delete(a.seen, arn)
		}
	}
	var errs []string
	names := make([]string, 0, len(running))
	for group := range running {
		names = append(names, group)
	}
	sort.Strings(names)
	for _, group := range names {
		name := strings.TrimPrefix(group, "service:")
		if _, ok := services[name]; ok || !strings.HasPrefix(group, "service:") {
			continue
		}
		for _, task := range running[group] {
			if err := a.stopTask(ctx, task, fmt.Sprintf("Service %s was deleted", name)); err != nil {
				errs = append(errs, err.Error())
			}
		}
	}
	for name, svc := range services {
		if err := a.reconcile(ctx, svc, running["service:"+name], now); err != nil {
			errs = append(errs, err.Error())
		}
	}
	if len(errs) > 0 {
		sort.Strings(errs)
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return nil
}
