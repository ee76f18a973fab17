// Command svc is the service the end-to-end tests release and promote: it
// reports its version and turns unhealthy once SVC_HEALTHY_UNTIL has passed.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"strconv"
	"time"
)

func main() {
	printVersion := flag.Bool("version", false, "print the version and exit")
	flag.Parse()
	version := os.Getenv("SVC_VERSION")
	if *printVersion {
		fmt.Println(version)
		return
	}
	until, err := healthyUntil(os.Getenv("SVC_HEALTHY_UNTIL"))
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		if !until.IsZero() && !time.Now().Before(until) {
			http.Error(w, "unhealthy", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"version": version})
	})
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, "svc %s\n", version)
	})
	srv := &http.Server{Addr: ":8080", Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	log.Fatal(srv.ListenAndServe())
}

// healthyUntil parses unix seconds; empty or 0 means healthy forever.
func healthyUntil(s string) (time.Time, error) {
	if s == "" || s == "0" {
		return time.Time{}, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("SVC_HEALTHY_UNTIL %q: %w", s, err)
	}
	return time.Unix(n, 0), nil
}
