package yamlerr

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// unknownAnchor is yaml.v3's message for an alias to an anchor no node
// defines; unlike its other syntax errors, it names no line.
var unknownAnchor = regexp.MustCompile(`unknown anchor '([^']*)' referenced`)

// UnknownAlias places yaml.v3's "unknown anchor 'NAME' referenced" error at
// the first alias *NAME in data (1-based line and column). ok is false for
// any other message, or when data holds no such alias.
func UnknownAlias(data []byte, msg string) (line, column int, ok bool) {
	m := unknownAnchor.FindStringSubmatch(msg)
	if m == nil {
		return 0, 0, false
	}
	alias := regexp.MustCompile(`(^|[\s\[{,])\*` + regexp.QuoteMeta(m[1]) + `($|[\s\]},])`)
	for i, l := range strings.Split(string(data), "\n") {
		if loc := alias.FindStringIndex(l); loc != nil {
			star := loc[0] + strings.IndexByte(l[loc[0]:], '*')
			return i + 1, utf8.RuneCountInString(l[:star]) + 1, true
		}
	}
	return 0, 0, false
}

// TabIndent places yaml.v3's "found a tab character that violates
// indentation" error, which names the line of the scalar before the tab, at
// the first tab that indents a line from line from on.
func TabIndent(data []byte, from int) (line, column int, ok bool) {
	for i, l := range strings.Split(string(data), "\n") {
		if i+1 < from {
			continue
		}
		indent := l[:len(l)-len(strings.TrimLeft(l, " \t"))]
		if tab := strings.IndexByte(indent, '\t'); tab >= 0 {
			return i + 1, tab + 1, true
		}
	}
	return 0, 0, false
}

// maxKey is the longest implicit key YAML allows (1024 characters); yaml.v3
// reports a longer one only as "could not find expected ':'".
const maxKey = 1024

// LongKey finds a key longer than YAML allows, which yaml.v3 reports only
// as a syntax error that depends on what follows it ("could not find
// expected ':'", "mapping values are not allowed in this context"): its
// 1-based line and column and its length in characters. Call it when
// parsing failed.
func LongKey(data []byte) (line, column, length int, ok bool) {
	for i, l := range strings.Split(string(data), "\n") {
		if len(l) <= maxKey {
			continue
		}
		body := strings.TrimLeft(l, " ")
		body = strings.TrimLeft(strings.TrimPrefix(body, "- "), " ")
		start := len(l) - len(body)
		end := strings.Index(body, ": ")
		if end < 0 && strings.HasSuffix(body, ":") {
			end = len(body) - 1
		}
		if end < 0 {
			continue
		}
		if k := utf8.RuneCountInString(body[:end]); k > maxKey {
			return i + 1, utf8.RuneCountInString(l[:start]) + 1, k, true
		}
	}
	return 0, 0, 0, false
}
