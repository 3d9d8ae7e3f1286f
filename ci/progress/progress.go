// Package progress shows the stages of a long run on a console: one line
// per stage with its elapsed time, redrawn in place with a spinner on a
// terminal (mpb), and plain appended lines anywhere else, such as a CI log
// or a file.
package progress

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// Marks of a finished stage, by result.
var marks = map[string]string{"passed": "✅", "failed": "❌", "skipped": "⏭️ ", "stopped": "⏸️ "}

// Console writes the stage lines. It is not for concurrent stages: one
// stage runs at a time, as in the flow.
type Console struct {
	w   io.Writer
	tty bool
	mu  sync.Mutex
}

// New returns a Console writing to w; tty says whether w is a terminal
// (lines redrawn in place) or not (lines appended).
func New(w io.Writer, tty bool) *Console { return &Console{w: w, tty: tty} }

// Writer is the console itself, for text between stages (a timeline, a
// prompt); it must not be written while a live stage line runs.
func (c *Console) Writer() io.Writer { return c.w }

// Printf writes a message line between stages.
func (c *Console) Printf(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fmt.Fprintf(c.w, format+"\n", args...)
}

// Stage is one running stage's line.
type Stage struct {
	c       *Console
	label   string
	started time.Time
	live    bool
	// terminal only
	p      *mpb.Progress
	bar    *mpb.Bar
	mu     sync.Mutex
	final  string
	status string
}

// Start begins a stage's line: a spinner, the label and the elapsed time,
// on a terminal; a "label ..." line elsewhere.
func (c *Console) Start(label string) *Stage { return c.start(label, c.tty) }

// StartPlain begins a stage that talks to the user itself (a prompt): its
// line is appended, never redrawn, even on a terminal.
func (c *Console) StartPlain(label string) *Stage { return c.start(label, false) }

func (c *Console) start(label string, live bool) *Stage {
	s := &Stage{c: c, label: label, started: time.Now(), live: live}
	if !live {
		c.Printf("%s  %s ...", s.started.Format("15:04:05"), label)
		return s
	}
	s.p = mpb.New(mpb.WithOutput(c.w), mpb.WithWidth(2), mpb.WithRefreshRate(120*time.Millisecond))
	s.bar = s.p.New(0,
		mpb.SpinnerStyle("⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏").PositionLeft(),
		mpb.BarFillerClearOnComplete(),
		mpb.BarFillerTrim(),
		mpb.AppendDecorators(decor.Any(s.text)),
	)
	return s
}

// Status sets a short note shown after the label while the stage runs on
// a terminal (e.g. the step it is on); elsewhere it is not shown.
func (s *Stage) Status(note string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status = note
}

// text renders the line: running, or the final one.
func (s *Stage) text(st decor.Statistics) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st.Completed {
		return s.final
	}
	line := fmt.Sprintf("%s  %s", s.label, clock(time.Since(s.started)))
	if s.status != "" {
		line += "  " + s.status
	}
	return line
}

// Done ends the stage's line with its result and a one-line detail.
func (s *Stage) Done(result, detail string) {
	line := fmt.Sprintf("%s %s %s (%s)", marks[result], s.label, result, clock(time.Since(s.started)))
	if detail != "" {
		line += ": " + firstLine(detail)
	}
	if !s.live {
		s.c.Printf("%s  %s", time.Now().Format("15:04:05"), line)
		return
	}
	s.mu.Lock()
	s.final = line
	s.mu.Unlock()
	s.bar.SetTotal(-1, true)
	s.p.Wait()
}

// clock formats a duration as m:ss.
func clock(d time.Duration) string {
	d = d.Round(time.Second)
	return fmt.Sprintf("%d:%02d", int(d.Minutes()), int(d.Seconds())%60)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return s
}
