package tui

import (
	"image/color"

	"charm.land/bubbles/v2/help"
	"charm.land/lipgloss/v2"

	"github.com/keypivot/keypivot/investigate"
)

// styles are the workbench's looks. They are rebuilt when the terminal reports its
// background (light or dark) and carry no colour at all with NO_COLOR: then selection
// and emphasis use reverse video and bold only, and every marker is also a character
// (▸ for the cursor, [DEMO], S for session events), so nothing depends on colour.
type styles struct {
	color bool
	dark  bool

	app        lipgloss.Style
	title      lipgloss.Style
	headerKey  lipgloss.Style
	headerDim  lipgloss.Style
	badge      lipgloss.Style
	badgeWarn  lipgloss.Style
	tab        lipgloss.Style
	tabActive  lipgloss.Style
	colHeader  lipgloss.Style
	selected   lipgloss.Style
	dim        lipgloss.Style
	bold       lipgloss.Style
	section    lipgloss.Style
	ok         lipgloss.Style
	warn       lipgloss.Style
	danger     lipgloss.Style
	session    lipgloss.Style
	status     lipgloss.Style
	statusErr  lipgloss.Style
	prompt     lipgloss.Style
	box        lipgloss.Style
	dangerBox  lipgloss.Style
	sevLow     lipgloss.Style
	sevMedium  lipgloss.Style
	sevHigh    lipgloss.Style
	sevCrit    lipgloss.Style
	help       help.Styles
	spinner    lipgloss.Style
	filterChip lipgloss.Style
}

func newStyles(useColor, dark bool) styles {
	s := styles{color: useColor, dark: dark}
	plain := lipgloss.NewStyle()
	s.app = plain
	s.bold = plain.Bold(true)
	s.title = plain.Bold(true)
	s.headerKey = plain.Bold(true)
	s.headerDim = plain
	s.badge = plain.Bold(true).Reverse(true)
	s.badgeWarn = plain.Bold(true).Reverse(true)
	s.tab = plain
	s.tabActive = plain.Bold(true).Reverse(true)
	s.colHeader = plain.Bold(true).Underline(true)
	s.selected = plain.Reverse(true)
	s.dim = plain
	s.section = plain.Bold(true).Underline(true)
	s.ok = plain
	s.warn = plain.Bold(true)
	s.danger = plain.Bold(true)
	s.session = plain
	s.status = plain
	s.statusErr = plain.Bold(true)
	s.prompt = plain.Bold(true)
	s.box = plain.Border(lipgloss.NormalBorder()).Padding(0, 1)
	s.dangerBox = plain.Border(lipgloss.ThickBorder()).Padding(0, 1)
	s.sevLow = plain
	s.sevMedium = plain
	s.sevHigh = plain.Bold(true)
	s.sevCrit = plain.Bold(true).Reverse(true)
	s.spinner = plain
	s.filterChip = plain.Reverse(true)
	s.help = help.Styles{
		ShortKey: plain.Bold(true), ShortDesc: plain, ShortSeparator: plain, Ellipsis: plain,
		FullKey: plain.Bold(true), FullDesc: plain, FullSeparator: plain,
	}
	if !useColor {
		return s
	}
	ld := lipgloss.LightDark(dark)
	c := func(light, darkc string) color.Color { return ld(lipgloss.Color(light), lipgloss.Color(darkc)) }
	accent := c("#005F87", "#5FAFD7")
	muted := c("#5C5C5C", "#9E9E9E")
	red := c("#AF0000", "#FF5F5F")
	orange := c("#AF5F00", "#FFAF5F")
	yellow := c("#875F00", "#D7D75F")
	green := c("#005F00", "#87D787")
	purple := c("#5F00AF", "#AF87FF")
	s.title = s.title.Foreground(accent)
	s.headerKey = s.headerKey.Foreground(accent)
	s.headerDim = s.headerDim.Foreground(muted)
	s.badge = plain.Bold(true).Foreground(lipgloss.Color("#FFFFFF")).Background(c("#875F00", "#AF8700"))
	s.badgeWarn = plain.Bold(true).Foreground(lipgloss.Color("#FFFFFF")).Background(c("#AF0000", "#D70000"))
	s.tab = s.tab.Foreground(muted)
	s.tabActive = plain.Bold(true).Foreground(c("#FFFFFF", "#000000")).Background(accent)
	s.colHeader = s.colHeader.Foreground(accent)
	s.selected = plain.Foreground(c("#000000", "#FFFFFF")).Background(c("#D0E4F0", "#005F87")).Bold(true)
	s.dim = s.dim.Foreground(muted)
	s.section = s.section.Foreground(accent)
	s.ok = s.ok.Foreground(green)
	s.warn = s.warn.Foreground(orange)
	s.danger = s.danger.Foreground(red)
	s.session = s.session.Foreground(purple)
	s.status = s.status.Foreground(muted)
	s.statusErr = s.statusErr.Foreground(red)
	s.prompt = s.prompt.Foreground(accent)
	s.box = s.box.BorderForeground(accent)
	s.dangerBox = s.dangerBox.BorderForeground(red)
	s.sevLow = s.sevLow.Foreground(muted)
	s.sevMedium = s.sevMedium.Foreground(yellow)
	s.sevHigh = s.sevHigh.Foreground(orange)
	s.sevCrit = plain.Bold(true).Foreground(lipgloss.Color("#FFFFFF")).Background(red)
	s.spinner = s.spinner.Foreground(accent)
	s.filterChip = plain.Foreground(c("#FFFFFF", "#000000")).Background(purple)
	s.help.ShortKey = s.help.ShortKey.Foreground(accent)
	s.help.FullKey = s.help.FullKey.Foreground(accent)
	s.help.ShortDesc = s.help.ShortDesc.Foreground(muted)
	s.help.FullDesc = plain
	s.help.ShortSeparator = s.help.ShortSeparator.Foreground(muted)
	return s
}

// severity renders a severity name in its style.
func (s *styles) severity(v investigate.Severity) lipgloss.Style {
	switch v {
	case investigate.SeverityCritical:
		return s.sevCrit
	case investigate.SeverityHigh:
		return s.sevHigh
	case investigate.SeverityMedium:
		return s.sevMedium
	}
	return s.sevLow
}
