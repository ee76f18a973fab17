package builder

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/engine"
)

// syncBuffer is a progress writer that tests read while Packer writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestPackerCancelledMidBuildLeavesNothing(t *testing.T) {
	eng, s := packerProject(t)
	write(t, filepath.Join(s.Image.Template, "slow.pkr.hcl"), `
variable "base" {
  type = string
}
source "docker" "slow" {
  image  = var.base
  pull   = false
  commit = true
}
build {
  sources = ["source.docker.slow"]
  provisioner "shell" {
    inline = ["echo provisioning started", "sleep 300"]
  }
}
`)
	job, err := (&Packer{Engine: eng, Grace: time.Minute}).Prepare(s)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := job.Run(ctx)
		done <- err
	}()
	progress := s.Progress.(*syncBuffer)
	require.Eventually(t, func() bool { return strings.Contains(progress.String(), "provisioning started") },
		time.Minute, 100*time.Millisecond, "the provisioner never started:\n%s", progress)
	groups := processGroupsOf(t, s.Image.Template)
	require.Len(t, groups, 1, "packer runs in one process group of its own")

	start := time.Now()
	cancel()
	select {
	case err = <-done:
	case <-time.After(time.Minute):
		t.Fatalf("Run did not return after cancel:\n%s", progress)
	}
	require.ErrorIs(t, err, ErrPackerInterrupted)
	require.ErrorIs(t, err, context.Canceled)
	assert.Less(t, time.Since(start), 30*time.Second, "Packer cleans up quickly, well within its grace")
	assert.Contains(t, progress.String(), "Cleanly cancelled builds after being interrupted.")
	for g := range groups {
		assert.Eventually(t, func() bool { return len(processesInGroup(t, g)) == 0 }, 5*time.Second, 50*time.Millisecond,
			"process group %d of packer is gone", g)
	}
	assertNoContainerLeft(t, eng, progress.String())
}

// processGroupsOf returns the process groups of processes whose command line mentions marker.
func processGroupsOf(t *testing.T, marker string) map[int]bool {
	t.Helper()
	groups := map[int]bool{}
	for _, pid := range pids(t) {
		cmdline, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
		if err == nil && bytes.Contains(cmdline, []byte(marker)) {
			if g, ok := processGroup(pid); ok {
				groups[g] = true
			}
		}
	}
	return groups
}

// processesInGroup lists the live processes of a group; a zombie waits for
// its reaper (this machine's init is slow to reap) and runs nothing.
func processesInGroup(t *testing.T, group int) []int {
	t.Helper()
	var in []int
	for _, pid := range pids(t) {
		if g, ok := processGroup(pid); ok && g == group && !zombie(pid) {
			in = append(in, pid)
		}
	}
	return in
}

func pids(t *testing.T) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	require.NoError(t, err)
	var out []int
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			out = append(out, pid)
		}
	}
	return out
}

// processGroup reads the process group from /proc/PID/stat.
func processGroup(pid int) (int, bool) {
	fields := statFields(pid)
	if len(fields) < 3 {
		return 0, false
	}
	g, err := strconv.Atoi(fields[2])
	return g, err == nil
}

func zombie(pid int) bool {
	fields := statFields(pid)
	return len(fields) > 0 && fields[0] == "Z"
}

// statFields are the fields of /proc/PID/stat after "pid (comm)": state ppid pgrp ...
func statFields(pid int) []string {
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return nil
	}
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(string(stat[i+1:]))
}

// A Packer that ignores the interrupt is killed, with its whole group, once the grace period is over.
func TestRunPackerKillsTheGroupAfterTheGrace(t *testing.T) {
	marker := "bake-grace-" + engine.NewOperationID()
	progress := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := runPacker(ctx, packerRun{binary: "sh", args: []string{"-c",
			`trap '' INT; echo 1,,ui,say,started; sh -c 'trap "" INT; sleep 300; echo ` + marker + `' & wait`},
			progress: progress, grace: time.Second})
		done <- err
	}()
	require.Eventually(t, func() bool { return strings.Contains(progress.String(), "started") }, 10*time.Second, 50*time.Millisecond)
	groups := processGroupsOf(t, marker)
	require.Len(t, groups, 1)

	cancel()
	select {
	case err := <-done:
		require.ErrorIs(t, err, ErrPackerInterrupted)
	case <-time.After(20 * time.Second):
		t.Fatal("runPacker did not return after the grace period")
	}
	for g := range groups {
		// SIGKILL is delivered at once but a process disappears only when reaped.
		assert.Eventually(t, func() bool { return len(processesInGroup(t, g)) == 0 }, 5*time.Second, 50*time.Millisecond,
			"process group %d is gone", g)
	}
}
