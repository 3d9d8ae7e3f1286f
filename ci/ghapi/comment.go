package ghapi

import (
	"context"
	"fmt"
	"net/http"
	"strings"
)

// Comment is an issue or pull-request comment.
type Comment struct {
	ID   int64  `json:"id"`
	Body string `json:"body"`
	User struct {
		Login string `json:"login"`
	} `json:"user"`
}

// UpsertComment keeps one comment carrying marker on pull request number of
// repo: it updates the first such comment (written by author, when author
// is not empty) or creates one. body gets the marker prepended. It reports
// whether it created the comment.
func (c Client) UpsertComment(ctx context.Context, repo string, number int, marker, author, body string) (bool, error) {
	if err := checkRepo(repo); err != nil {
		return false, err
	}
	if number < 1 {
		return false, fmt.Errorf("pull request number %d: want the number of the pull request", number)
	}
	if !strings.HasPrefix(marker, "<!--") {
		return false, fmt.Errorf("marker %q must be an HTML comment, invisible in the rendered comment", marker)
	}
	full := marker + "\n" + body
	base := fmt.Sprintf("/repos/%s/issues/%d/comments", repo, number)
	for page := 1; page <= 20; page++ {
		var comments []Comment
		if err := c.do(ctx, http.MethodGet, fmt.Sprintf("%s?per_page=100&page=%d", base, page), nil, &comments); err != nil {
			return false, err
		}
		for _, cm := range comments {
			if strings.Contains(cm.Body, marker) && (author == "" || cm.User.Login == author) {
				err := c.do(ctx, http.MethodPatch, fmt.Sprintf("/repos/%s/issues/comments/%d", repo, cm.ID), map[string]string{"body": full}, nil)
				return false, err
			}
		}
		if len(comments) < 100 {
			break
		}
	}
	return true, c.do(ctx, http.MethodPost, base, map[string]string{"body": full}, nil)
}
