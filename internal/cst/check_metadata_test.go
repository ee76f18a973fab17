package cst

import (
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/stretchr/testify/assert"
)

func TestCheckMetadata(t *testing.T) {
	cfg := v1.Config{
		Env:          []string{"PATH=/usr/bin", "SVC_VERSION=1.1.0", "EMPTY="},
		Labels:       map[string]string{"org.opencontainers.image.version": "1.1.0", "org.opencontainers.image.created": "2026-01-02T03:04:05Z"},
		ExposedPorts: map[string]struct{}{"8080/tcp": {}, "53/udp": {}},
		Volumes:      map[string]struct{}{"/data": {}},
		Entrypoint:   []string{"/svc"},
		WorkingDir:   "/srv",
	}
	test := &MetadataTest{
		EnvVars: []EnvVar{
			{Key: "SVC_VERSION", Value: "1.2.0"},
			{Key: "SVC_VERSION", Value: `^1\.1\.`, IsRegex: true},
			{Key: "EMPTY", Value: ""},
			{Key: "HOME", Value: "/root"},
		},
		UnboundEnvVars: []string{"DEBUG", "PATH"},
		Labels: []Label{
			{Key: "org.opencontainers.image.version", Value: "1.2.0"},
			{Key: "org.opencontainers.image.created", Value: `^\d{4}-`, IsRegex: true},
			{Key: "org.opencontainers.image.revision", Value: "abc"},
		},
		ExposedPorts:     []string{"8080", "8080/tcp", "53", "8080/udp"},
		UnexposedPorts:   []string{"80", "53/udp"},
		Volumes:          []string{"/data", "/logs"},
		UnmountedVolumes: []string{"/root"},
		Entrypoint:       []string{"/svc"},
		Cmd:              []string{"serve"},
		Workdir:          "/app",
		User:             "nobody",
	}
	want := []verdict{
		{"metadata env SVC_VERSION", "expected env SVC_VERSION=1.2.0, got 1.1.0", false},
		{"metadata env SVC_VERSION", "SVC_VERSION=1.1.0", true},
		{"metadata env EMPTY", "EMPTY=", true},
		{"metadata env HOME", "expected env HOME=/root, not set", false},
		{"metadata unbound env DEBUG", "DEBUG is not set", true},
		{"metadata unbound env PATH", `expected env PATH not to be set, got "/usr/bin"`, false},
		{"metadata label org.opencontainers.image.version", "expected label org.opencontainers.image.version=1.2.0, got 1.1.0", false},
		{"metadata label org.opencontainers.image.created", "org.opencontainers.image.created=2026-01-02T03:04:05Z", true},
		{"metadata label org.opencontainers.image.revision", "expected label org.opencontainers.image.revision=abc, not set", false},
		{"metadata exposed port 8080", "port 8080 is exposed", true},
		{"metadata exposed port 8080/tcp", "port 8080/tcp is exposed", true},
		{"metadata exposed port 53", "port 53 is exposed", true},
		{"metadata exposed port 8080/udp", "expected port 8080/udp to be exposed, exposed: 53/udp, 8080/tcp", false},
		{"metadata unexposed port 80", "port 80 is not exposed", true},
		{"metadata unexposed port 53/udp", "expected port 53/udp not to be exposed, exposed: 53/udp, 8080/tcp", false},
		{"metadata volume /data", "volume /data is declared", true},
		{"metadata volume /logs", "expected volume /logs, volumes: /data", false},
		{"metadata unmounted volume /root", "volume /root is not declared", true},
		{"metadata entrypoint", `entrypoint ["/svc"]`, true},
		{"metadata cmd", `expected cmd ["serve"], got []`, false},
		{"metadata workdir", `expected workdir "/app", got "/srv"`, false},
		{"metadata user", `expected user "nobody", got ""`, false},
	}
	assert.Equal(t, want, checkMetadata(test, cfg))
}

func TestCheckMetadataRegexOnValue(t *testing.T) {
	cfg := v1.Config{Env: []string{"SVC_VERSION=1.1.0"}}
	got := checkMetadata(&MetadataTest{EnvVars: []EnvVar{{Key: "SVC_VERSION", Value: `^1\.2\.`, IsRegex: true}}}, cfg)
	assert.Equal(t, []verdict{{"metadata env SVC_VERSION", `expected env SVC_VERSION matching "^1\\.2\\.", got "1.1.0"`, false}}, got)
}
