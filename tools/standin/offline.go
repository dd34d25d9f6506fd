package main

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// Services on the Internet that a real image's health check calls. No Internet is reachable here, so for the hosts
// an image's config names, the stand-in's clients answer in process, checking what our wiring controls.

var telegramToken = regexp.MustCompile(`^[0-9]{5,16}:[A-Za-z0-9_-]{30,50}$`)

// offlineAnswer returns the in-process answer for a host listed in the image's offlineHosts.
func offlineAnswer(u *url.URL) (*fetchResponse, bool) {
	kind, ok := loadImageConfig().OfflineHosts[u.Hostname()]
	if !ok {
		return nil, false
	}
	noteCheck("offline:"+u.Hostname(), u.Path)
	switch kind {
	case "telegram":
		// https://api.telegram.org/bot<token>/<method>: a token of Telegram's shape is accepted (getMe answers
		// ok), anything else gets Telegram's 401 or 404, as an empty or truncated token would.
		rest := strings.TrimPrefix(u.Path, "/bot")
		if rest == u.Path {
			return jsonResp(404, `{"ok":false,"error_code":404,"description":"Not Found"}`), true
		}
		i := strings.LastIndex(rest, "/")
		if i < 0 {
			return jsonResp(404, `{"ok":false,"error_code":404,"description":"Not Found"}`), true
		}
		if !telegramToken.MatchString(rest[:i]) {
			return jsonResp(401, `{"ok":false,"error_code":401,"description":"Unauthorized"}`), true
		}
		return jsonResp(200, `{"ok":true,"result":{"id":1,"is_bot":true,"first_name":"stand-in","username":"standin_bot"}}`), true
	}
	return jsonResp(502, `{"error":"stand-in: unknown offline host kind"}`), true
}

func jsonResp(status int, body string) *fetchResponse {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	return &fetchResponse{Status: status, StatusText: http.StatusText(status), Proto: "HTTP/1.1", Header: h, Body: []byte(body)}
}
