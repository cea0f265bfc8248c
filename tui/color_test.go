package tui

import (
	"image/color"
	"regexp"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// colourSGR matches a colour in a select-graphic-rendition sequence: 30-37, 90-97 and
// 38;... for the foreground, 40-47, 100-107 and 48;... for the background.
var colourSGR = regexp.MustCompile(`\x1b\[(?:[0-9;:]*;)?(?:3[0-8]|4[0-8]|9[0-7]|10[0-7])(?:[;:m])`)

func TestNoColorMeansNoColourAndLightTerminalsGetLightStyles(t *testing.T) {
	opts := demoOptions(&memJournal{})
	d := newDriver(t, opts, 120, 30)
	openDemoKey(t, d)
	for _, tab := range []string{"1", "2", "3", "4", "5", "6", "a"} {
		d.press(tab)
		if m := colourSGR.FindString(d.raw()); m != "" {
			t.Fatalf("NO_COLOR: tab %s draws colour %q", tab, m)
		}
	}
	// The selection is still visible without colour: reverse video and a marker.
	d.press("esc", "3")
	if !regexp.MustCompile(`\x1b\[[0-9;]*7[;m]`).MatchString(d.raw()) {
		t.Fatal("NO_COLOR: the selected row should be in reverse video")
	}
	d.mustShow("▸ ")

	// With colour, the terminal's background picks the palette.
	opts.NoColor = false
	d = newDriver(t, opts, 120, 30)
	openDemoKey(t, d)
	d.press("3")
	dark := d.raw()
	if colourSGR.FindString(dark) == "" {
		t.Fatal("with colour on, the workbench should use colour")
	}
	d.send(tea.BackgroundColorMsg{Color: color.White})
	if d.app.ui.st.dark {
		t.Fatal("a white background is light")
	}
	light := d.raw()
	if light == dark {
		t.Fatal("a light background should change the palette")
	}
	// The light selection is dark text on a pale background (#D0E4F0).
	if !regexp.MustCompile(`48;2;208;228;240`).MatchString(light) {
		t.Fatalf("the light palette's selection colour is missing")
	}
}
