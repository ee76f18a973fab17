package servicestest

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// These tests check how KubeWait reads the state that scripts/kube/kube.sh's
// background job leaves in its directory; the job itself is exercised by
// `scripts/services.sh kube-build`.

func writeJob(t *testing.T, dir, state string, pid int) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "state"), []byte(state+" 2026-01-02T03:04:05Z\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "build.pid"), []byte(strconv.Itoa(pid)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestKubeWaitNoJob(t *testing.T) {
	if err := KubeWait(t.TempDir(), time.Second, func() { t.Error("waiting called without a job") }); err != nil {
		t.Fatalf("no state file: %v", err)
	}
	dir := t.TempDir()
	writeJob(t, dir, "ready", os.Getpid())
	if err := KubeWait(dir, time.Second, func() { t.Error("waiting called for a ready cluster") }); err != nil {
		t.Fatalf("ready: %v", err)
	}
}

func TestKubeWaitUntilReady(t *testing.T) {
	old := kubePoll
	kubePoll = 20 * time.Millisecond
	t.Cleanup(func() { kubePoll = old })
	dir := t.TempDir()
	writeJob(t, dir, "building", os.Getpid())
	go func() {
		time.Sleep(200 * time.Millisecond)
		writeJob(t, dir, "ready", os.Getpid())
	}()
	told := 0
	start := time.Now()
	if err := KubeWait(dir, time.Minute, func() { told++ }); err != nil {
		t.Fatalf("KubeWait: %v", err)
	}
	if told != 1 || time.Since(start) < 200*time.Millisecond {
		t.Errorf("waiting called %d times, returned after %s; want once, after the job said ready", told, time.Since(start))
	}
}

func TestKubeWaitFailures(t *testing.T) {
	dir := t.TempDir()
	var log strings.Builder
	for i := 1; i <= 30; i++ {
		log.WriteString("line " + strconv.Itoa(i) + "\n")
	}
	if err := os.WriteFile(filepath.Join(dir, "build.log"), []byte(log.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	writeJob(t, dir, "failed", os.Getpid())
	err := KubeWait(dir, time.Minute, nil)
	if err == nil || !strings.Contains(err.Error(), "failed") || !strings.HasSuffix(err.Error(), "line 11\nline 12\nline 13\nline 14\nline 15\nline 16\nline 17\nline 18\nline 19\nline 20\nline 21\nline 22\nline 23\nline 24\nline 25\nline 26\nline 27\nline 28\nline 29\nline 30") ||
		strings.Contains(err.Error(), "line 10\n") {
		t.Errorf("failed job: err = %v, want the last 20 lines of build.log", err)
	}

	// A job that died (no such pid) without saying so.
	writeJob(t, dir, "building", 1<<22+1)
	if err := KubeWait(dir, time.Minute, nil); err == nil || !strings.Contains(err.Error(), "stopped without finishing") {
		t.Errorf("dead job: err = %v", err)
	}

	writeJob(t, dir, "building", os.Getpid())
	if err := KubeWait(dir, 0, nil); err == nil || !strings.Contains(err.Error(), "still being built") {
		t.Errorf("timeout: err = %v", err)
	}
}
