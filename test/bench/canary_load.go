package main

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The canary table's load: 2 × canaryWorkers workers, each at most
// canaryRate requests a second, POSTs to / (the svc answers its 500s
// there), half of them reporting every response (-o csv: when and what,
// but no transport errors) and half a summary (with them).
const (
	canaryWorkers = 4
	canaryRate    = 25
)

func (b *bench) canaryHey(name string, csv bool) *heyRun {
	args := []string{"-z", "900s", "-c", strconv.Itoa(canaryWorkers), "-q", strconv.Itoa(canaryRate), "-t", "10",
		"-m", "POST", "-d", "ping", "-T", "text/plain"}
	if csv {
		args = append(args, "-o", "csv")
	}
	return b.launchHey(name, append(args, "http://"+canaryListen+"/"))
}

// heyResponse is one response of hey's CSV.
type heyResponse struct {
	at     time.Time // when its request was sent
	took   time.Duration
	status int
}

// stopCSV interrupts a CSV hey and reads its responses.
func (h *heyRun) stopCSV() []heyResponse {
	_ = h.cmd.Process.Signal(syscall.SIGINT)
	if err := h.cmd.Wait(); err != nil {
		die("%s: hey failed; see %s", h.name, h.out)
	}
	out := readHeyCSV(h.out, h.started)
	if len(out) == 0 {
		die("%s: no responses in hey's CSV; see %s", h.name, h.out)
	}
	return out
}

// readHeyCSV reads the responses of hey's CSV at path, for a hey started
// at started.
func readHeyCSV(path string, started time.Time) []heyResponse {
	f, err := os.Open(path)
	if err != nil {
		die("%v", err)
	}
	defer f.Close()
	var out []heyResponse
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// response-time,DNS+dialup,DNS,Request-write,Response-delay,Response-read,status-code,offset
		fs := strings.Split(sc.Text(), ",")
		if len(fs) != 8 {
			continue
		}
		took, err1 := strconv.ParseFloat(fs[0], 64)
		status, err2 := strconv.Atoi(fs[6])
		offset, err3 := strconv.ParseFloat(fs[7], 64)
		if err1 != nil || err2 != nil || err3 != nil {
			continue
		}
		out = append(out, heyResponse{at: started.Add(seconds2d(offset)), took: seconds2d(took), status: status})
	}
	return out
}

func seconds2d(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
