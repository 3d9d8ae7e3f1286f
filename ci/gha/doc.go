// Package gha turns pipeline results into GitHub Actions reporting through
// github.com/sethvargo/go-githubactions: the job summary (Markdown), step
// outputs, one error annotation per failed check, and masks.
//
// Building a Report from a result (PlanReport, RolloutReport, TestsReport)
// is pure and kept apart from publishing it (Publish), which writes only
// inside GitHub Actions (GITHUB_ACTIONS=true) and writes nothing elsewhere.
// Workflow commands (annotations, masks) go to the writer given to Publish;
// the runner reads them from a step's stdout and stderr alike, so the CLI
// keeps stdout for its JSON and sends them to stderr.
package gha
