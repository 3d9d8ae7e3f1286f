// Package gitlabci reads the repository's GitLab pipeline
// (ci/gitlab/.gitlab-ci.yml) the way GitLab does as far as the gates need
// (extends and default merged into each job, hidden jobs dropped, anchors
// resolved; include, inherit and !reference refused), and checks the gates
// that keep it as safe as the GitHub workflows: the same module functions
// in the same order, OIDC roles per job and never a stored key, one deploy
// per environment at a time, the integration gate in front of prod, a
// manual prod deploy in the protected environment production that applies
// exactly the plan of its own pipeline and promotes the digest test passed
// for the same commit, and no plan file among the artifacts.
//
// Its tests run the gates on the real file and prove that each seeded
// mutation of it is caught; when gitlab-ci-local is installed they also
// hold the file to GitLab's JSON schema and this package's reading of it to
// the tool's own expansion.
package gitlabci
