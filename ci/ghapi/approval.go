package ghapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Environment is the part of GET /repos/{owner}/{repo}/environments/{name}
// the gate reads.
type Environment struct {
	Name            string           `json:"name"`
	CanAdminsBypass *bool            `json:"can_admins_bypass"`
	ProtectionRules []ProtectionRule `json:"protection_rules"`
}

// ProtectionRule is one protection rule of an environment.
type ProtectionRule struct {
	Type              string     `json:"type"`
	PreventSelfReview bool       `json:"prevent_self_review"`
	Reviewers         []Reviewer `json:"reviewers"`
}

// Reviewer is a user or team that may approve.
type Reviewer struct {
	Type     string `json:"type"` // User or Team
	Reviewer struct {
		Login string `json:"login"` // users
		Slug  string `json:"slug"`  // teams
	} `json:"reviewer"`
}

// Name is the reviewer's login or team slug.
func (r Reviewer) Name() string {
	if r.Reviewer.Login != "" {
		return r.Reviewer.Login
	}
	return r.Reviewer.Slug
}

// GetEnvironment reads an environment (the token needs actions: read).
func (c Client) GetEnvironment(ctx context.Context, repo, name string) (Environment, error) {
	if err := checkRepo(repo); err != nil {
		return Environment{}, err
	}
	var e Environment
	err := c.do(ctx, http.MethodGet, "/repos/"+repo+"/environments/"+escape(name), nil, &e)
	return e, err
}

// allowWithoutReviewVar is the repository variable that opts a repository
// out of the gate, named for what it does.
const allowWithoutReviewVar = "ALLOW_PROD_WITHOUT_REVIEW"

// Gate is what the approval gate found.
type Gate struct {
	Environment string   `json:"environment"`
	Reviewers   []string `json:"reviewers"`
	// OptedOut is true when there is no reviewer and the repository said
	// so on purpose.
	OptedOut bool `json:"opted_out"`
	// Warnings are weaker spots that do not stop the deploy.
	Warnings []string `json:"warnings,omitempty"`
}

// ErrNoReviewer is the gate's refusal.
var ErrNoReviewer = errors.New("no required reviewer")

// CheckApproval fails unless environment name of repo requires at least one
// reviewer, or allowWithoutReview opts out. A missing environment, or a
// token that may not read it, fails with what to do.
func (c Client) CheckApproval(ctx context.Context, repo, name string, allowWithoutReview bool) (Gate, error) {
	g := Gate{Environment: name}
	env, err := c.GetEnvironment(ctx, repo, name)
	var apiErr *APIError
	switch {
	case errors.As(err, &apiErr) && apiErr.Status == http.StatusNotFound:
		return g, fmt.Errorf("%w: the environment %q does not exist in %s (%s): create it under Settings → Environments with required reviewers", ErrNoReviewer, name, repo, apiErr.Message)
	case errors.As(err, &apiErr) && (apiErr.Status == http.StatusForbidden || apiErr.Status == http.StatusUnauthorized):
		return g, fmt.Errorf("the approval gate cannot read the environment %q (%d %s): give the job permissions: actions: read", name, apiErr.Status, apiErr.Message)
	case err != nil:
		return g, fmt.Errorf("the approval gate: %w", err)
	}
	for _, r := range env.ProtectionRules {
		if r.Type != "required_reviewers" {
			continue
		}
		for _, rv := range r.Reviewers {
			g.Reviewers = append(g.Reviewers, rv.Type+" "+rv.Name())
		}
		if !r.PreventSelfReview && len(r.Reviewers) > 0 {
			g.Warnings = append(g.Warnings, "reviewers may approve their own deploys: consider \"Prevent self-review\"")
		}
	}
	if env.CanAdminsBypass == nil || *env.CanAdminsBypass {
		g.Warnings = append(g.Warnings, "administrators can bypass the protection rules: consider turning off \"Allow administrators to bypass\"")
	}
	if len(g.Reviewers) > 0 {
		return g, nil
	}
	if allowWithoutReview {
		g.OptedOut = true
		g.Warnings = append(g.Warnings, fmt.Sprintf("production deploys without a human review: %s is true", allowWithoutReviewVar))
		return g, nil
	}
	return g, fmt.Errorf("%w: the environment %q of %s requires no reviewer, so this deploy would reach production with no human approval. "+
		"Add required reviewers (Settings → Environments → %s; private repositories need GitHub Enterprise for them), "+
		"or set the repository variable %s=true to deploy without review on purpose",
		ErrNoReviewer, name, repo, name, allowWithoutReviewVar)
}

// Summary is the gate's one line for a log or a job summary.
func (g Gate) Summary() string {
	switch {
	case g.OptedOut:
		return "approval gate: no required reviewer on " + g.Environment + ", opted out by " + allowWithoutReviewVar
	case len(g.Reviewers) > 0:
		return "approval gate: " + g.Environment + " requires a review by one of " + strings.Join(g.Reviewers, ", ")
	}
	return "approval gate: refused"
}
