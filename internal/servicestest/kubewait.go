package servicestest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// KubeWaitTimeout bounds how long KubeWait waits for the background job of
// scripts/services.sh: a cold build of the Kubernetes binaries takes 6 to 8
// minutes of CPU, more when the tests that run meanwhile share it.
const KubeWaitTimeout = 20 * time.Minute

// kubePoll is how often KubeWait reads the job's state file.
var kubePoll = 2 * time.Second

// KubeWait waits while scripts/services.sh's background job builds and
// starts the test cluster whose files are in dir ($BAKE_SERVICES_DIR/kube).
// The job says where it is in dir/state ("building", then "ready" or
// "failed") and keeps its pid in dir/build.pid. waiting is called once,
// when there is something to wait for. It returns nil when there is no job
// (the cluster was started in the foreground, or never: the caller finds
// out), and an error with the end of dir/build.log when the job failed or
// stopped before finishing, or when timeout passes first.
func KubeWait(dir string, timeout time.Duration, waiting func()) error {
	deadline := time.Now().Add(timeout)
	told := false
	for {
		state, since := kubeJobState(dir)
		if state != "building" {
			if state == "failed" {
				return fmt.Errorf("building or starting the Kubernetes test cluster failed (scripts/services.sh up, at %s); the end of %s:\n%s",
					since, filepath.Join(dir, "build.log"), logTail(dir, 20))
			}
			return nil
		}
		if !kubeJobAlive(dir) {
			// It may have ended between the two reads.
			if again, _ := kubeJobState(dir); again != "building" {
				continue
			}
			return fmt.Errorf("the job building the Kubernetes test cluster (since %s) stopped without finishing: run scripts/services.sh up again; the end of %s:\n%s",
				since, filepath.Join(dir, "build.log"), logTail(dir, 20))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the Kubernetes test cluster is still being built after %s (since %s; scripts/services.sh status, log %s)",
				timeout, since, filepath.Join(dir, "build.log"))
		}
		if !told {
			told = true
			if waiting != nil {
				waiting()
			}
		}
		time.Sleep(kubePoll)
	}
}

// kubeJobState reads dir/state: the job's state and since when; none when
// there is no such file.
func kubeJobState(dir string) (state, since string) {
	b, err := os.ReadFile(filepath.Join(dir, "state"))
	if err != nil {
		return "", ""
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "", ""
	}
	if len(f) > 1 {
		since = f[1]
	}
	return f[0], since
}

// kubeJobAlive tells whether the process in dir/build.pid is there.
func kubeJobAlive(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, "build.pid"))
	if err != nil {
		return false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return false
	}
	err = syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// logTail returns the last n lines of dir/build.log.
func logTail(dir string, n int) string {
	b, err := os.ReadFile(filepath.Join(dir, "build.log"))
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
