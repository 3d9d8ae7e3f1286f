package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/gangway-dev/gangway/ci/ghapi"
	"github.com/gangway-dev/gangway/ci/internal/dagger"
)

// ApprovalGate fails unless the GitHub environment requires at least one reviewer (or the repository opted out on purpose): run it first in the production job; returns what it found.
// +cache="never"
func (m *Gangway) ApprovalGate(
	ctx context.Context,
	// A token that may read the repository's environments (the job's GITHUB_TOKEN with actions: read), e.g. env://GITHUB_TOKEN.
	githubToken *dagger.Secret,
	// The repository, OWNER/REPO (e.g. $GITHUB_REPOSITORY).
	repository string,
	// The GitHub environment whose reviewers approve production deploys.
	// +default="production"
	environment string,
	// Deploy without a required reviewer on purpose: the repository variable ALLOW_PROD_WITHOUT_REVIEW, passed as true or false.
	// +optional
	allowWithoutReview bool,
	// The GitHub API's base URL (GITHUB_API_URL on GitHub Enterprise Server).
	// +default="https://api.github.com"
	apiURL string,
) (string, error) {
	token, err := plaintext(ctx, "github-token", githubToken)
	if err != nil {
		return "", err
	}
	g, err := ghapi.Client{API: apiURL, Token: token}.CheckApproval(ctx, repository, environment, allowWithoutReview)
	if err != nil {
		return "", err
	}
	out := g.Summary()
	for _, w := range g.Warnings {
		out += "\n::warning title=Approval gate::" + w
	}
	return out + "\n", nil
}

// PreviewComment writes the plans of a pull request into one comment on it, updated on each push rather than repeated.
// +cache="never"
func (m *Gangway) PreviewComment(
	ctx context.Context,
	// A token that may comment on pull requests (GITHUB_TOKEN with pull-requests: write), e.g. env://GITHUB_TOKEN.
	githubToken *dagger.Secret,
	// The repository, OWNER/REPO.
	repository string,
	// The pull request's number.
	pullRequest int,
	// The Markdown summaries to show, in order (the plan directories' github/summary.md).
	summary []*dagger.File,
	// The GitHub API's base URL.
	// +default="https://api.github.com"
	apiURL string,
) (string, error) {
	token, err := plaintext(ctx, "github-token", githubToken)
	if err != nil {
		return "", err
	}
	parts := []string{"## Terraform preview of this pull request"}
	for _, f := range summary {
		s, err := f.Contents(ctx)
		if err != nil {
			return "", fmt.Errorf("reading a summary: %w", err)
		}
		parts = append(parts, strings.TrimSpace(s))
	}
	created, err := ghapi.Client{API: apiURL, Token: token}.UpsertComment(ctx, repository, pullRequest, previewMarker, "github-actions[bot]", strings.Join(parts, "\n\n")+"\n")
	if err != nil {
		return "", err
	}
	if created {
		return "preview comment created\n", nil
	}
	return "preview comment updated\n", nil
}

// previewMarker finds the preview comment again on the next push.
const previewMarker = "<!-- gangway-preview -->"
