package main

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path"
	"strconv"
	"strings"
	"time"
)

// wgetMain mirrors BusyBox wget (the one Alpine images have): exit 0 on success, 1 on any failure, including an
// HTTP status >= 400.
func wgetMain(args []string) int {
	fr := fetchRequest{Headers: http.Header{}, Follow: true}
	quiet, spider := false, false
	output := ""
	var target string
	for i := 0; i < len(args); i++ {
		a := args[i]
		next := func() string {
			if i+1 < len(args) {
				i++
				return args[i]
			}
			return ""
		}
		name, val, hasVal := strings.Cut(a, "=")
		switch {
		case a == "-q" || a == "--quiet":
			quiet = true
		case a == "--spider" || a == "-s":
			spider = true
		case a == "-O":
			output = next()
		case strings.HasPrefix(a, "-O"):
			output = a[2:]
		case name == "--output-document" && hasVal:
			output = val
		case a == "-T":
			f, _ := strconv.ParseFloat(next(), 64)
			fr.Timeout = time.Duration(f * float64(time.Second))
		case name == "--timeout" && hasVal:
			f, _ := strconv.ParseFloat(val, 64)
			fr.Timeout = time.Duration(f * float64(time.Second))
		case a == "--header":
			k, hv, _ := strings.Cut(next(), ":")
			fr.Headers.Add(strings.TrimSpace(k), strings.TrimSpace(hv))
		case name == "--header" && hasVal:
			k, hv, _ := strings.Cut(val, ":")
			fr.Headers.Add(strings.TrimSpace(k), strings.TrimSpace(hv))
		case a == "--no-check-certificate":
			fr.Insecure = true
		case a == "-Y" || a == "-U" || a == "--user-agent":
			next()
		case strings.HasPrefix(a, "-") && a != "-":
			fmt.Fprintf(os.Stderr, "wget: unrecognized option '%s'\nBusyBox v1.36.1 (stand-in) multi-call binary.\n", a)
			return 1
		default:
			target = a
		}
	}
	if target == "" {
		fmt.Fprintln(os.Stderr, "BusyBox v1.36.1 (stand-in) multi-call binary.\n\nUsage: wget [-cqS] [--spider] [-O FILE] [-T SEC] URL...")
		return 1
	}
	fr.URL = target
	if spider {
		fr.Method = http.MethodHead
	}
	resp, err := doFetch(fr)
	if err != nil {
		fe := err.(*fetchError)
		u, _ := url.Parse(target)
		host := target
		if u != nil {
			host = u.Host
		}
		switch fe.Code {
		case 6:
			fmt.Fprintf(os.Stderr, "wget: bad address '%s'\n", host)
		case 7:
			fmt.Fprintf(os.Stderr, "wget: can't connect to remote host (%s): Connection refused\n", host)
		case 28:
			fmt.Fprintln(os.Stderr, "wget: download timed out")
		default:
			fmt.Fprintf(os.Stderr, "wget: %s\n", fe.Msg)
		}
		return 1
	}
	if !quiet {
		fmt.Fprintf(os.Stderr, "Connecting to %s\n", target)
	}
	if resp.Status >= 400 {
		fmt.Fprintf(os.Stderr, "wget: server returned error: HTTP/1.1 %d %s\n", resp.Status, resp.StatusText)
		return 1
	}
	if spider {
		return 0
	}
	if output == "" {
		u, _ := url.Parse(target)
		output = "index.html"
		if u != nil && path.Base(u.Path) != "/" && path.Base(u.Path) != "." {
			output = path.Base(u.Path)
		}
	}
	if output == "-" {
		os.Stdout.Write(resp.Body)
		return 0
	}
	if err := os.WriteFile(output, resp.Body, 0o644); err != nil {
		fmt.Fprintf(os.Stderr, "wget: can't open '%s': %v\n", output, err)
		return 1
	}
	return 0
}
