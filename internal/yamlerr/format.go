package yamlerr

import (
	"strconv"
	"strings"
)

// Format writes a problem as FILE:LINE:COL: KEY: MSG, leaving out the parts
// it lacks (a line or column of 0, an empty key).
func Format(file string, line, column int, key, msg string) string {
	var b strings.Builder
	b.WriteString(file)
	if line > 0 {
		b.WriteString(":" + strconv.Itoa(line))
		if column > 0 {
			b.WriteString(":" + strconv.Itoa(column))
		}
	}
	b.WriteString(": ")
	if key != "" {
		b.WriteString(key + ": ")
	}
	b.WriteString(msg)
	return b.String()
}
