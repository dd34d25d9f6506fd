package main

import (
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// curlMain implements the curl options health checks use. Exit codes as curl's: 0 ok, 2 bad option, 3 bad URL,
// 6 resolve, 7 connect, 22 HTTP >= 400 with -f, 28 timeout, 60 certificate.
func curlMain(args []string) int {
	fr := fetchRequest{Headers: http.Header{}}
	var fail, silent, showErr, head, includeHdr bool
	output, writeOut := "", ""
	var urls []string
	need := func(i *int, opt string) (string, bool) {
		if *i+1 >= len(args) {
			fmt.Fprintf(os.Stderr, "curl: option %s: requires parameter\n", opt)
			return "", false
		}
		*i++
		return args[*i], true
	}
	seconds := func(s string) time.Duration {
		f, _ := strconv.ParseFloat(s, 64)
		return time.Duration(f * float64(time.Second))
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") || a == "-" {
			urls = append(urls, a)
			continue
		}
		if strings.HasPrefix(a, "--") {
			name, val, hasVal := strings.Cut(a, "=")
			get := func() (string, bool) {
				if hasVal {
					return val, true
				}
				return need(&i, name)
			}
			var ok = true
			var v string
			switch name {
			case "--fail", "--fail-with-body":
				fail = true
			case "--silent":
				silent = true
			case "--show-error":
				showErr = true
			case "--location":
				fr.Follow = true
			case "--insecure":
				fr.Insecure = true
			case "--head":
				head = true
			case "--include":
				includeHdr = true
			case "--output":
				output, ok = get()
			case "--max-time":
				v, ok = get()
				fr.Timeout = seconds(v)
			case "--connect-timeout":
				v, ok = get()
				fr.Connect = seconds(v)
			case "--header":
				v, ok = get()
				k, hv, _ := strings.Cut(v, ":")
				fr.Headers.Add(strings.TrimSpace(k), strings.TrimSpace(hv))
			case "--request":
				fr.Method, ok = get()
			case "--data", "--data-raw":
				fr.Body, ok = get()
			case "--user":
				fr.User, ok = get()
			case "--write-out":
				writeOut, ok = get()
			case "--url":
				v, ok = get()
				urls = append(urls, v)
			case "--retry", "--retry-delay", "--retry-max-time":
				_, ok = get()
			case "--no-progress-meter", "--compressed", "--http1.1":
			default:
				fmt.Fprintf(os.Stderr, "curl: option %s: is unknown\ncurl: try 'curl --help' or 'curl --manual' for more information\n", name)
				return 2
			}
			if !ok {
				return 2
			}
			continue
		}
		// Short options, combinable (-fsS); an option taking a value ends the group (-o/dev/null or -o x).
		for j := 1; j < len(a); j++ {
			c := a[j]
			val := func() (string, bool) {
				if j+1 < len(a) {
					v := a[j+1:]
					j = len(a)
					return v, true
				}
				j = len(a)
				return need(&i, "-"+string(c))
			}
			var ok = true
			var v string
			switch c {
			case 'f':
				fail = true
			case 's':
				silent = true
			case 'S':
				showErr = true
			case 'L':
				fr.Follow = true
			case 'k':
				fr.Insecure = true
			case 'I':
				head = true
			case 'i':
				includeHdr = true
			case 'v':
			case 'o':
				output, ok = val()
			case 'm':
				v, ok = val()
				fr.Timeout = seconds(v)
			case 'H':
				v, ok = val()
				k, hv, _ := strings.Cut(v, ":")
				fr.Headers.Add(strings.TrimSpace(k), strings.TrimSpace(hv))
			case 'X':
				fr.Method, ok = val()
			case 'd':
				fr.Body, ok = val()
			case 'u':
				fr.User, ok = val()
			case 'w':
				writeOut, ok = val()
			default:
				fmt.Fprintf(os.Stderr, "curl: option -%c: is unknown\ncurl: try 'curl --help' or 'curl --manual' for more information\n", c)
				return 2
			}
			if !ok {
				return 2
			}
		}
	}
	if len(urls) == 0 {
		fmt.Fprintln(os.Stderr, "curl: no URL specified\ncurl: try 'curl --help' or 'curl --manual' for more information")
		return 2
	}
	if head && fr.Method == "" {
		fr.Method = http.MethodHead
	}
	if fr.Body != "" && fr.Method == "" {
		fr.Method = http.MethodPost
		fr.Headers.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	report := func(code int, msg string) int {
		if !silent || showErr {
			fmt.Fprintf(os.Stderr, "curl: (%d) %s\n", code, msg)
		}
		return code
	}
	for _, u := range urls {
		fr.URL = u
		resp, err := doFetch(fr)
		if err != nil {
			fe := err.(*fetchError)
			return report(fe.Code, fe.Msg)
		}
		if fail && resp.Status >= 400 {
			return report(22, fmt.Sprintf("The requested URL returned error: %d", resp.Status))
		}
		out := os.Stdout
		if output != "" && output != "-" {
			f, err := os.Create(output)
			if err != nil {
				return report(23, fmt.Sprintf("Failure writing output to destination: %v", err))
			}
			defer f.Close()
			out = f
		}
		if includeHdr || head {
			fmt.Fprintf(out, "%s %d %s\r\n", resp.Proto, resp.Status, resp.StatusText)
			for k, vs := range resp.Header {
				for _, v := range vs {
					fmt.Fprintf(out, "%s: %s\r\n", k, v)
				}
			}
			fmt.Fprint(out, "\r\n")
		}
		out.Write(resp.Body)
		if writeOut != "" {
			s := strings.ReplaceAll(writeOut, "%{http_code}", fmt.Sprintf("%03d", resp.Status))
			s = strings.ReplaceAll(s, "%{response_code}", fmt.Sprintf("%03d", resp.Status))
			s = strings.ReplaceAll(s, `\n`, "\n")
			fmt.Fprint(os.Stdout, s)
		}
	}
	return 0
}
