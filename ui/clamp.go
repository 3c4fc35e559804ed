package ui

import (
	"strings"

	"fyne.io/fyne/v2"
)

// clampLines word-wraps text to lines of at most width w at the given
// text size and style, as a wrapping label does, and keeps the first n of
// them, the last ending in "…". It answers the lines joined by line breaks,
// and whether anything was cut; text that fits comes back as it is.
func clampLines(text string, size float32, style fyne.TextStyle, w float32, n int) (string, bool) {
	if n <= 0 || w <= 0 {
		return text, false
	}
	fits := func(s string) bool { return fyne.MeasureText(s, size, style).Width <= w }
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		switch {
		case line == "":
			line = word
		case fits(line + " " + word):
			line += " " + word
		default:
			lines = append(lines, line)
			line = word
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	if len(lines) <= n {
		return text, false
	}
	lines = lines[:n]
	last := strings.Fields(lines[n-1])
	for len(last) > 1 && !fits(strings.Join(last, " ")+"…") {
		last = last[:len(last)-1]
	}
	lines[n-1] = strings.Join(last, " ") + "…"
	return strings.Join(lines, "\n"), true
}
