package probe

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"text/template"

	"github.com/bakehq/bake/internal/config"
)

// Data is what check fields may use: {{ .Version }}, {{ .Image }}, {{ .Vars.NAME }}.
type Data struct {
	Image   string
	Version string
	Vars    map[string]string
}

// Render renders a check field.
func (d Data) Render(field, s string) (string, error) {
	t, err := template.New(field).Option("missingkey=error").Parse(s)
	if err != nil {
		return "", fmt.Errorf("check field %s: %w", field, err)
	}
	var out bytes.Buffer
	if err := t.Execute(&out, d); err != nil {
		return "", fmt.Errorf("check field %s: %w", field, err)
	}
	return out.String(), nil
}

// Pattern renders s and compiles it; "" means any.
func (d Data) Pattern(field, s string) (*regexp.Regexp, error) {
	if s == "" {
		return nil, nil
	}
	r, err := d.Render(field, s)
	if err != nil {
		return nil, err
	}
	return regexp.Compile(r)
}

// CheckHTTP runs an http check against a service published on 127.0.0.1:hostPort.
func CheckHTTP(ctx context.Context, hostPort int, c *config.HTTPCheck, d Data) (string, error) {
	path, err := d.Render("path", c.Path)
	if err != nil {
		return "", err
	}
	body, err := d.Pattern("body", c.Body)
	if err != nil {
		return "", err
	}
	url := fmt.Sprintf("http://127.0.0.1:%d%s", hostPort, path)
	return HTTP(ctx, url, HTTPExpect{Status: c.Status, Body: body, Timeout: c.Timeout})
}
