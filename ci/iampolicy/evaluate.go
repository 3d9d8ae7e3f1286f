package iampolicy

import (
	"fmt"
	"strings"
)

// Principal is who makes a request, in the terms a Principal element
// names it.
type Principal struct {
	// Type is "AWS" (a role, user or account), "Federated" (an identity
	// provider: the caller of sts:AssumeRoleWithWebIdentity), "Service" or
	// "CanonicalUser".
	Type string
	// ID is an ARN for AWS and Federated principals (an assumed-role
	// session ARN counts as its role), a service name for Service ones.
	ID string
}

// AWSPrincipal is the principal of a role, user or account ARN.
func AWSPrincipal(arn string) Principal { return Principal{Type: "AWS", ID: arn} }

// FederatedPrincipal is the principal of an identity provider ARN.
func FederatedPrincipal(arn string) Principal { return Principal{Type: "Federated", ID: arn} }

// Request is one request to decide.
type Request struct {
	Principal Principal
	// Action is "service:Action", for example "ec2:CreateTags".
	Action string
	// Resource is the resource's ARN, or "*" for actions that do not
	// support resource-level permissions.
	Resource string
	// Context holds the request's condition keys, each with its values
	// (several for multi-valued keys such as aws:TagKeys). Key names are
	// case-insensitive. For an AWS principal, aws:PrincipalArn and
	// aws:PrincipalAccount are filled in when absent, as AWS always sets
	// them.
	Context map[string][]string
}

// Policies are the policies that decide a request.
type Policies struct {
	// Identity are the principal's identity-based policies.
	Identity []*Policy
	// Boundary is the principal's permissions boundary; nil for none.
	Boundary *Policy
	// Resource is the resource-based policy (trust, key, repository or
	// bucket policy); nil for none.
	Resource *Policy
	// ResourceRequired says that the resource policy must allow the
	// request whatever the identity policies say, as for KMS key policies
	// and role trust policies.
	ResourceRequired bool
}

// Decision is the outcome of an evaluation.
type Decision int

// The decisions. Only Allow lets a request through.
const (
	ImplicitDeny Decision = iota
	Allowed
	ExplicitDeny
)

func (d Decision) String() string {
	switch d {
	case Allowed:
		return "Allow"
	case ExplicitDeny:
		return "ExplicitDeny"
	default:
		return "ImplicitDeny"
	}
}

// StatementRef names one statement of one policy.
type StatementRef struct {
	Policy string
	Sid    string
	// Index is the statement's position in its policy (from 0).
	Index int
}

func (r StatementRef) String() string {
	if r.Sid != "" {
		return r.Policy + "#" + r.Sid
	}
	return fmt.Sprintf("%s#%d", r.Policy, r.Index)
}

// Result is a decision and what decided it.
type Result struct {
	Decision Decision
	// Deciding lists, for an explicit deny, every Deny statement that
	// matched; for an allow, the Allow statements that matched in each
	// policy that had to allow. It is empty for an implicit deny.
	Deciding []StatementRef
	// Reason says in words why the request was denied or allowed.
	Reason string
}

// Allowed reports whether the decision is Allow.
func (r Result) Allowed() bool { return r.Decision == Allowed }

func (r Result) String() string {
	if len(r.Deciding) == 0 {
		return r.Decision.String() + ": " + r.Reason
	}
	refs := make([]string, len(r.Deciding))
	for i, ref := range r.Deciding {
		refs[i] = ref.String()
	}
	return fmt.Sprintf("%s by %s: %s", r.Decision, strings.Join(refs, ", "), r.Reason)
}

// Evaluate decides a request as AWS does (see the package documentation
// for the rules and what is not modelled).
func Evaluate(req Request, p Policies) Result {
	ctx := make(map[string][]string, len(req.Context)+2)
	for k, v := range req.Context {
		ctx[strings.ToLower(k)] = v
	}
	principal := req.Principal
	if principal.Type == "AWS" {
		principal.ID = roleARN(principal.ID)
		if _, ok := ctx["aws:principalarn"]; !ok {
			ctx["aws:principalarn"] = []string{principal.ID}
		}
		if _, ok := ctx["aws:principalaccount"]; !ok && arnAccount(principal.ID) != "" {
			ctx["aws:principalaccount"] = []string{arnAccount(principal.ID)}
		}
	}
	in := evaluation{req: req, principal: principal, ctx: ctx}

	// 1. An explicit deny anywhere wins.
	var denies []StatementRef
	for _, pol := range p.Identity {
		denies = append(denies, in.matching(pol, Deny, false)...)
	}
	denies = append(denies, in.matching(p.Boundary, Deny, false)...)
	denies = append(denies, in.matching(p.Resource, Deny, true)...)
	if len(denies) > 0 {
		return Result{Decision: ExplicitDeny, Deciding: denies, Reason: "explicitly denied"}
	}

	// 2. What allows.
	var identity []StatementRef
	for _, pol := range p.Identity {
		identity = append(identity, in.matching(pol, Allow, false)...)
	}
	boundary := in.matching(p.Boundary, Allow, false)
	boundaryOK := p.Boundary == nil || len(boundary) > 0
	direct, viaAccount := in.resourceAllows(p.Resource)

	allowed := func(refs ...[]StatementRef) Result {
		var all []StatementRef
		for _, r := range refs {
			all = append(all, r...)
		}
		return Result{Decision: Allowed, Deciding: all, Reason: "allowed"}
	}
	deny := func(reason string) Result {
		return Result{Decision: ImplicitDeny, Reason: fmt.Sprintf("%s %s on %s", reason, req.Action, req.Resource)}
	}
	noBoundary := "the permissions boundary allows no"
	// A resource of another account has an account id in its ARN; an ARN
	// without one (S3, public images) or with "aws" (what AWS owns: managed
	// policies, managed prefix lists) is decided in the principal's account.
	pAcct, rAcct := arnAccount(principal.ID), arnAccount(req.Resource)
	if principal.Type == "AWS" && pAcct != "" && isAccountID(rAcct) && pAcct != rAcct {
		// 3a. Across accounts both sides must allow: without a resource
		// policy of the resource's account, nothing is allowed.
		switch {
		case len(direct)+len(viaAccount) == 0:
			return deny("the resource policy (another account) allows no")
		case len(identity) == 0:
			return deny("no identity policy allows")
		case !boundaryOK:
			return deny(noBoundary)
		}
		return allowed(identity, boundary, direct, viaAccount)
	}
	// 3b. In one account. A resource policy that names the principal
	// itself allows on its own (the boundary still applies); one that
	// names the account leaves it to the identity policies.
	if len(direct) > 0 {
		if !boundaryOK {
			return deny(noBoundary)
		}
		return allowed(direct, boundary)
	}
	if p.ResourceRequired && len(viaAccount) == 0 {
		return deny("the resource policy allows no")
	}
	switch {
	case len(identity) == 0:
		return deny("no identity policy allows")
	case !boundaryOK:
		return deny(noBoundary)
	}
	return allowed(identity, boundary, viaAccount)
}

type evaluation struct {
	req       Request
	principal Principal
	ctx       map[string][]string
}

// matching returns the statements of pol with the given effect that apply
// to the request. In a resource policy the principal must match too.
func (e evaluation) matching(pol *Policy, effect Effect, resourcePolicy bool) []StatementRef {
	if pol == nil {
		return nil
	}
	var out []StatementRef
	for i, s := range pol.Statements {
		if s.Effect != effect || !e.applies(s, resourcePolicy) {
			continue
		}
		if resourcePolicy {
			if ok, _ := e.principalMatches(s); !ok {
				continue
			}
		}
		out = append(out, StatementRef{Policy: pol.Name, Sid: s.Sid, Index: i})
	}
	return out
}

// resourceAllows splits the matching Allow statements of a resource
// policy into those that name the principal (or everyone) and those that
// name only its account.
func (e evaluation) resourceAllows(pol *Policy) (direct, viaAccount []StatementRef) {
	if pol == nil {
		return nil, nil
	}
	for i, s := range pol.Statements {
		if s.Effect != Allow || !e.applies(s, true) {
			continue
		}
		ok, account := e.principalMatches(s)
		if !ok {
			continue
		}
		ref := StatementRef{Policy: pol.Name, Sid: s.Sid, Index: i}
		if account {
			viaAccount = append(viaAccount, ref)
		} else {
			direct = append(direct, ref)
		}
	}
	return direct, viaAccount
}

// applies checks action, resource and conditions (not the principal).
func (e evaluation) applies(s Statement, resourcePolicy bool) bool {
	if s.Action != nil && !anyMatch(s.Action, e.req.Action, actionMatch) {
		return false
	}
	if s.NotAction != nil && anyMatch(s.NotAction, e.req.Action, actionMatch) {
		return false
	}
	switch {
	case s.Resource != nil:
		if !anyMatch(s.Resource, e.req.Resource, arnMatch) {
			return false
		}
	case s.NotResource != nil:
		if anyMatch(s.NotResource, e.req.Resource, arnMatch) {
			return false
		}
	case !resourcePolicy:
		// An identity statement without Resource is invalid: no match.
		return false
	}
	for _, c := range s.Conditions {
		if !c.eval(e.ctx) {
			return false
		}
	}
	return true
}

// principalMatches reports whether a resource policy statement's
// Principal (or NotPrincipal) covers the request's principal, and whether
// only through the principal's account.
func (e evaluation) principalMatches(s Statement) (ok, viaAccount bool) {
	switch {
	case s.Principal != nil:
		return e.inPrincipals(s.Principal)
	case s.NotPrincipal != nil:
		in, _ := e.inPrincipals(s.NotPrincipal)
		return !in, false
	default:
		return false, false // a resource policy statement needs a principal
	}
}

func (e evaluation) inPrincipals(ps *Principals) (ok, viaAccount bool) {
	if ps.Any {
		return true, false
	}
	p := e.principal
	for _, id := range ps.IDs[p.Type] {
		switch p.Type {
		case "AWS":
			if roleARN(id) == p.ID {
				return true, false
			}
			if acct, isAcct := accountPrincipal(id); isAcct && acct == arnAccount(p.ID) {
				viaAccount = true
			}
		case "Service":
			if strings.EqualFold(id, p.ID) {
				return true, false
			}
		default:
			if id == p.ID {
				return true, false
			}
		}
	}
	return viaAccount, viaAccount
}

func anyMatch(patterns []string, value string, match func(pattern, value string) bool) bool {
	for _, p := range patterns {
		if match(p, value) {
			return true
		}
	}
	return false
}
