package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse feeds bake.yaml variations to the loader: it must never panic,
// and every rejection must be ErrInvalid with a position in the file.
func FuzzParse(f *testing.F) {
	f.Add([]byte(completeFile))
	f.Add([]byte(kubeComplete))
	f.Add([]byte("project: demo\nimages:\n  hello: {template: templates/docker/go-service, port: 80}\nenvironments:\n  - {name: dev, targets: {hello: {type: kubernetes, resources: {limits: {cpu: 1}}, pod: {metadata: {labels: {a: b}}, spec: {containers: [{name: app, env: [{name: A, value: b}]}]}}}}}\n"))
	f.Add([]byte("project: demo\nimages: {}\nenvironments: []\n"))
	f.Add([]byte("project: [\n"))
	f.Add([]byte("project: demo\nimages:\n  a: &x {template: templates/base/debian}\n  b: *x\nenvironments:\n  - {name: dev, targets: {a: {type: asg}}}\n"))
	f.Add([]byte("project: demo\nledger: dynamodb://t?region=us-east-1\naws: {region: eu-west-1}\nimages:\n  hello: {template: templates/docker/go-service, port: 80, checks: [{name: h, http: {}}]}\nenvironments:\n  - {name: dev, retention: {previous: warm}, targets: {hello: {listen: '127.0.0.1:9', strategy: rolling, min_healthy: 1}}}\n"))
	dir := f.TempDir()
	for _, d := range fixtureDirs {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			f.Fatal(err)
		}
	}
	file := filepath.Join(dir, "bake.yaml")
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := Parse(file, data)
		if err == nil {
			return
		}
		if !errors.Is(err, ErrInvalid) {
			t.Fatalf("error is not ErrInvalid: %v", err)
		}
		for _, line := range strings.Split(err.Error(), "\n") {
			if line != "" && !strings.HasPrefix(line, file+":") {
				t.Fatalf("error line does not name the file: %q", line)
			}
		}
	})
}
