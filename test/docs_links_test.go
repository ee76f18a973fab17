package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// markdownLink is an inline link or image: [text](target) or [text](target "title").
var markdownLink = regexp.MustCompile(`\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)

// TestDocsLinksResolve checks every relative link of README.md, docs/ and
// examples/: the file or directory it names exists, and a #fragment names a
// heading of that page, as GitHub renders it. Pages move while the docs grow;
// a link that leads nowhere is a reader lost.
func TestDocsLinksResolve(t *testing.T) {
	pages := []string{filepath.Join(repoRoot, "README.md")}
	for _, dir := range []string{"docs", "examples"} {
		root := filepath.Join(repoRoot, dir)
		if _, err := os.Stat(root); os.IsNotExist(err) {
			continue
		}
		err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(path, ".md") {
				pages = append(pages, path)
			}
			return err
		})
		require.NoError(t, err)
	}
	require.Greater(t, len(pages), 10, "README.md and the pages of docs/")
	for _, page := range pages {
		rel, _ := filepath.Rel(repoRoot, page)
		for _, l := range pageLinks(t, page) {
			if problem := checkLink(page, l.target); problem != "" {
				assert.Failf(t, "broken link", "%s:%d: %s: %s", rel, l.line, l.target, problem)
			}
		}
	}
}

type pageLink struct {
	line   int
	target string
}

// pageLinks lists the links of a Markdown page outside code blocks and code spans.
func pageLinks(t *testing.T, page string) []pageLink {
	data, err := os.ReadFile(page)
	require.NoError(t, err)
	var links []pageLink
	fenced := false
	for i, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fenced = !fenced
			continue
		}
		if fenced {
			continue
		}
		for _, m := range markdownLink.FindAllStringSubmatch(withoutCodeSpans(line), -1) {
			links = append(links, pageLink{line: i + 1, target: m[1]})
		}
	}
	return links
}

var codeSpan = regexp.MustCompile("`[^`]*`")

func withoutCodeSpans(line string) string { return codeSpan.ReplaceAllString(line, "") }

// checkLink says what is wrong with a link of page, or "" when it resolves.
func checkLink(page, target string) string {
	if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
		return "" // not a file of this repository
	}
	path, fragment, _ := strings.Cut(target, "#")
	file := page
	if path != "" {
		file = filepath.Join(filepath.Dir(page), filepath.FromSlash(path))
	}
	info, err := os.Stat(file)
	if err != nil {
		return "no such file or directory"
	}
	if fragment == "" {
		return ""
	}
	if info.IsDir() || !strings.HasSuffix(file, ".md") {
		return "a #fragment needs a Markdown page"
	}
	anchors, err := headingAnchors(file)
	if err != nil {
		return err.Error()
	}
	if !anchors[fragment] {
		return fmt.Sprintf("no heading with the anchor %q there", fragment)
	}
	return ""
}

// headingAnchors are the anchors GitHub gives a page's headings: lower case,
// punctuation dropped, spaces as hyphens, a repeated one numbered -1, -2...
func headingAnchors(file string) (map[string]bool, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	anchors := map[string]bool{}
	seen := map[string]int{}
	fenced := false
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fenced = !fenced
		}
		if fenced || !strings.HasPrefix(line, "#") {
			continue
		}
		text := strings.TrimSpace(strings.TrimLeft(line, "#"))
		slug := anchorOf(text)
		if n := seen[slug]; n > 0 {
			anchors[fmt.Sprintf("%s-%d", slug, n)] = true
		} else {
			anchors[slug] = true
		}
		seen[slug]++
	}
	return anchors, nil
}

func anchorOf(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || ('a' <= r && r <= 'z') || ('0' <= r && r <= '9') || r > 127:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// TestDocsLinksAnchors pins how headings become anchors, since the link
// test above is only as right as this rule.
func TestDocsLinksAnchors(t *testing.T) {
	for heading, want := range map[string]string{
		"Validating AMIs on EC2":                    "validating-amis-on-ec2",
		"Garbage collection: `bake gc`":             "garbage-collection-bake-gc",
		"Release: build, validate, publish, record": "release-build-validate-publish-record",
		"What `bake recover` does":                  "what-bake-recover-does",
	} {
		assert.Equal(t, want, anchorOf(heading), heading)
	}
}
