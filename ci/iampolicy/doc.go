// Package iampolicy evaluates AWS IAM policy documents for one request, the
// way AWS decides it, so that tests can prove what a set of policies allows
// and, above all, what it never allows.
//
// A request is a principal, an action, a resource ARN and its request
// context (condition keys, each with one or more values). Evaluate decides
// it against the identity policies of the principal, an optional
// permissions boundary and an optional resource-based policy (a role's
// trust policy, a KMS key policy, a repository or bucket policy):
//
//   - an explicit Deny in any of them wins;
//   - otherwise the request needs an Allow: from the identity policies
//     (and then also from the boundary, when one is given), or from a
//     resource policy that names the principal itself;
//   - a resource policy that names only the principal's account delegates
//     to the account's identity policies; across accounts (an account id
//     in the resource's ARN other than the principal's; an ARN without one,
//     or with "aws" for what AWS owns, is not another account) both the
//     identity policies and the resource policy must allow;
//   - for KMS keys and role trust policies (Policies.ResourceRequired) the
//     resource policy must allow in every case.
//
// The Result names the statements that decided, so a failing test can say
// which statement allowed what.
//
// Supported: Statement as an object or a list; Effect; Action and
// NotAction (case-insensitive, with * and ? wildcards); Resource and
// NotResource (case-sensitive, wildcards within ARN segments as AWS
// documents them: a * that ends a segment may run on across colons);
// Principal and NotPrincipal (AWS, Federated, Service, CanonicalUser, and
// "*"); the condition operators String*, Arn*, Numeric*, Bool and Null,
// with the IfExists suffix and the ForAllValues: and ForAnyValue:
// prefixes, and AWS's documented rules for a key missing from the request
// (a non-negated operator is false, a negated one is true, IfExists is
// true, Null tests presence). Several operators and keys in one Condition
// are AND-ed, several values of one key are OR-ed. Condition key names are
// compared case-insensitively, values as each operator says.
//
// Not supported, and refused by Parse rather than guessed: policy
// variables (${...}), the Date*, IpAddress, NotIpAddress and BinaryEquals
// operators. Not modelled: service control and session policies, and the
// finer rule by which a resource policy naming a role session ARN (rather
// than the role ARN) is not limited by the role's permissions boundary.
package iampolicy
