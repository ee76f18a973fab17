// Command hello is the example service bake releases: it answers /healthz
// with the version it was built as.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
)

// Set at build time with -ldflags -X.
var (
	version = "dev"
	message = "hello"
)

func main() {
	showVersion := flag.Bool("version", false, "print the version and exit")
	addr := flag.String("addr", ":8080", "listen address")
	flag.Parse()
	if *showVersion {
		fmt.Println(version)
		return
	}
	http.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"status": "ok", "version": version})
	})
	http.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, "%s (version %s)\n", message, version)
	})
	log.Printf("hello %s listening on %s", version, *addr)
	if err := http.ListenAndServe(*addr, nil); err != nil {
		log.Print(err)
		os.Exit(1)
	}
}
