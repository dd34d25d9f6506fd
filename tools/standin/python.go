package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// A tiny interpreter for the one-line Python programs that templates run with `python -c` (health checks with
// urllib.request.urlopen, entrypoints that write a config file and os.execvp): imports, assignments, string and
// list literals, `+`, indexing and slicing, attribute access, calls with keyword arguments, `;` and newlines.
// Exceptions end the program like Python's: a traceback on stderr and exit code 1; sys.exit(n) exits n. Anything
// else (if, for, try, def, lambda, comprehensions, ...) is a SyntaxError, so an unsupported check fails loudly.
// `python FILE` runs a stand-in role when FILE's first line is `# standin-role: <name>`.

type pyExc struct {
	Type string
	Msg  string
}

func (e *pyExc) Error() string { return e.Type + ": " + e.Msg }

type pyExit struct{ code int }

func (e *pyExit) Error() string { return "SystemExit" }

type pyNoneT struct{}

var pyNone = pyNoneT{}

type pyBytes []byte

type pyFunc func(args []any, kw map[string]any) (any, error)

type pyModule struct {
	name  string
	attrs map[string]any
}

type pyEnviron struct{}

type pyFile struct {
	f    *os.File
	path string
}

type pyResponse struct{ r *fetchResponse }

type pySocket struct{ c net.Conn }

type pyTok struct {
	kind string // name, str, num, op, nl, eof
	text string
}

func pyLex(src string) ([]pyTok, error) {
	var toks []pyTok
	depth := 0
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r':
			i++
		case c == '\\' && i+1 < len(src) && src[i+1] == '\n':
			i += 2
		case c == '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '\n':
			if depth == 0 {
				toks = append(toks, pyTok{"nl", "\n"})
			}
			i++
		case c == '\'' || c == '"' || ((c == 'r' || c == 'b') && i+1 < len(src) && (src[i+1] == '\'' || src[i+1] == '"')):
			raw := c == 'r'
			if c == 'r' || c == 'b' {
				i++
			}
			q := src[i]
			if strings.HasPrefix(src[i:], strings.Repeat(string(q), 3)) {
				return nil, &pyExc{"SyntaxError", "triple-quoted strings are not supported by the stand-in python"}
			}
			var b strings.Builder
			i++
			for {
				if i >= len(src) || src[i] == '\n' {
					return nil, &pyExc{"SyntaxError", "unterminated string literal"}
				}
				if src[i] == q {
					i++
					break
				}
				if src[i] == '\\' && !raw && i+1 < len(src) {
					e := src[i+1]
					switch e {
					case 'n':
						b.WriteByte('\n')
					case 't':
						b.WriteByte('\t')
					case 'r':
						b.WriteByte('\r')
					case '0':
						b.WriteByte(0)
					case '\\', '\'', '"':
						b.WriteByte(e)
					default:
						b.WriteByte('\\')
						b.WriteByte(e)
					}
					i += 2
					continue
				}
				b.WriteByte(src[i])
				i++
			}
			toks = append(toks, pyTok{"str", b.String()})
		case c >= '0' && c <= '9':
			j := i
			for j < len(src) && (src[j] >= '0' && src[j] <= '9' || src[j] == '.') {
				j++
			}
			toks = append(toks, pyTok{"num", src[i:j]})
			i = j
		case isNameChar(c, true):
			j := i
			for j < len(src) && isNameChar(src[j], false) {
				j++
			}
			toks = append(toks, pyTok{"name", src[i:j]})
			i = j
		case strings.ContainsRune("()[],:=+.;-", rune(c)):
			if c == '(' || c == '[' {
				depth++
			} else if c == ')' || c == ']' {
				depth--
			}
			if c == '=' && i+1 < len(src) && src[i+1] == '=' {
				return nil, &pyExc{"SyntaxError", "comparisons are not supported by the stand-in python"}
			}
			toks = append(toks, pyTok{"op", string(c)})
			i++
		default:
			return nil, &pyExc{"SyntaxError", fmt.Sprintf("invalid syntax near %q (stand-in python)", src[i:])}
		}
	}
	return append(toks, pyTok{"eof", ""}), nil
}

var pyKeywords = map[string]bool{"if": true, "else": true, "elif": true, "for": true, "while": true, "try": true, "except": true,
	"def": true, "class": true, "lambda": true, "with": true, "return": true, "raise": true, "assert": true, "and": true,
	"or": true, "not": true, "in": true, "is": true, "del": true, "global": true, "yield": true, "async": true, "await": true}

type pyInterp struct {
	toks []pyTok
	pos  int
	vars map[string]any
	argv []string
}

func (p *pyInterp) peek() pyTok { return p.toks[p.pos] }
func (p *pyInterp) next() pyTok { t := p.toks[p.pos]; p.pos++; return t }
func (p *pyInterp) accept(op string) bool {
	if t := p.peek(); t.kind == "op" && t.text == op {
		p.pos++
		return true
	}
	return false
}
func (p *pyInterp) expect(op string) error {
	if !p.accept(op) {
		return &pyExc{"SyntaxError", fmt.Sprintf("expected %q near %q (stand-in python)", op, p.peek().text)}
	}
	return nil
}

func (p *pyInterp) runProgram() error {
	for {
		t := p.peek()
		if t.kind == "eof" {
			return nil
		}
		if t.kind == "nl" || (t.kind == "op" && t.text == ";") {
			p.pos++
			continue
		}
		if err := p.statement(); err != nil {
			return err
		}
		if t := p.peek(); !(t.kind == "eof" || t.kind == "nl" || (t.kind == "op" && t.text == ";")) {
			return &pyExc{"SyntaxError", fmt.Sprintf("invalid syntax near %q (stand-in python)", t.text)}
		}
	}
}

func (p *pyInterp) dotted() (string, error) {
	t := p.next()
	if t.kind != "name" {
		return "", &pyExc{"SyntaxError", "invalid syntax"}
	}
	name := t.text
	for p.accept(".") {
		t = p.next()
		if t.kind != "name" {
			return "", &pyExc{"SyntaxError", "invalid syntax"}
		}
		name += "." + t.text
	}
	return name, nil
}

func (p *pyInterp) statement() error {
	t := p.peek()
	if t.kind == "name" && t.text == "import" {
		p.pos++
		for {
			name, err := p.dotted()
			if err != nil {
				return err
			}
			if _, err := pyImport(name); err != nil {
				return err
			}
			top := strings.SplitN(name, ".", 2)[0]
			p.vars[top], _ = pyImport(top)
			if !p.accept(",") {
				return nil
			}
		}
	}
	if t.kind == "name" && t.text == "from" {
		p.pos++
		name, err := p.dotted()
		if err != nil {
			return err
		}
		m, err := pyImport(name)
		if err != nil {
			return err
		}
		if t := p.next(); t.kind != "name" || t.text != "import" {
			return &pyExc{"SyntaxError", "invalid syntax"}
		}
		for {
			n := p.next()
			v, ok := m.attrs[n.text]
			if !ok {
				return &pyExc{"ImportError", fmt.Sprintf("cannot import name '%s' from '%s'", n.text, name)}
			}
			p.vars[n.text] = v
			if !p.accept(",") {
				return nil
			}
		}
	}
	if t.kind == "name" && pyKeywords[t.text] {
		return &pyExc{"SyntaxError", fmt.Sprintf("%q statements are not supported by the stand-in python", t.text)}
	}
	if t.kind == "name" && p.toks[p.pos+1].kind == "op" && p.toks[p.pos+1].text == "=" {
		p.pos += 2
		v, err := p.expr()
		if err != nil {
			return err
		}
		p.vars[t.text] = v
		return nil
	}
	_, err := p.expr()
	return err
}

func (p *pyInterp) expr() (any, error) {
	v, err := p.term()
	if err != nil {
		return nil, err
	}
	for p.accept("+") {
		w, err := p.term()
		if err != nil {
			return nil, err
		}
		if v, err = pyAdd(v, w); err != nil {
			return nil, err
		}
	}
	return v, nil
}

func pyAdd(a, b any) (any, error) {
	switch x := a.(type) {
	case string:
		if y, ok := b.(string); ok {
			return x + y, nil
		}
	case int64:
		if y, ok := b.(int64); ok {
			return x + y, nil
		}
	case []any:
		if y, ok := b.([]any); ok {
			return append(append([]any{}, x...), y...), nil
		}
	}
	return nil, &pyExc{"TypeError", fmt.Sprintf("unsupported operand type(s) for +: '%s' and '%s'", pyType(a), pyType(b))}
}

func pyType(v any) string {
	switch v.(type) {
	case string:
		return "str"
	case int64:
		return "int"
	case float64:
		return "float"
	case []any:
		return "list"
	case pyBytes:
		return "bytes"
	case pyNoneT:
		return "NoneType"
	case *pyModule:
		return "module"
	}
	return "object"
}

func (p *pyInterp) term() (any, error) {
	neg := p.accept("-")
	v, err := p.primary()
	if err != nil {
		return nil, err
	}
	if neg {
		n, ok := v.(int64)
		if !ok {
			return nil, &pyExc{"TypeError", "bad operand type for unary -"}
		}
		v = -n
	}
	for {
		switch {
		case p.accept("."):
			t := p.next()
			if t.kind != "name" {
				return nil, &pyExc{"SyntaxError", "invalid syntax"}
			}
			if v, err = pyGetAttr(v, t.text); err != nil {
				return nil, err
			}
		case p.accept("("):
			args, kw, err := p.callArgs()
			if err != nil {
				return nil, err
			}
			f, ok := v.(pyFunc)
			if !ok {
				return nil, &pyExc{"TypeError", fmt.Sprintf("'%s' object is not callable", pyType(v))}
			}
			if v, err = f(args, kw); err != nil {
				return nil, err
			}
		case p.accept("["):
			var lo, hi any
			slice := false
			if !(p.peek().kind == "op" && p.peek().text == ":") {
				if lo, err = p.expr(); err != nil {
					return nil, err
				}
			}
			if p.accept(":") {
				slice = true
				if !(p.peek().kind == "op" && p.peek().text == "]") {
					if hi, err = p.expr(); err != nil {
						return nil, err
					}
				}
			}
			if err := p.expect("]"); err != nil {
				return nil, err
			}
			if v, err = pyIndex(v, lo, hi, slice); err != nil {
				return nil, err
			}
		default:
			return v, nil
		}
	}
}

func (p *pyInterp) callArgs() ([]any, map[string]any, error) {
	var args []any
	kw := map[string]any{}
	for !p.accept(")") {
		if t := p.peek(); t.kind == "name" && p.toks[p.pos+1].kind == "op" && p.toks[p.pos+1].text == "=" {
			p.pos += 2
			v, err := p.expr()
			if err != nil {
				return nil, nil, err
			}
			kw[t.text] = v
		} else {
			v, err := p.expr()
			if err != nil {
				return nil, nil, err
			}
			args = append(args, v)
		}
		if !p.accept(",") {
			if err := p.expect(")"); err != nil {
				return nil, nil, err
			}
			break
		}
	}
	return args, kw, nil
}

func (p *pyInterp) primary() (any, error) {
	t := p.next()
	switch t.kind {
	case "str":
		s := t.text
		for p.peek().kind == "str" { // implicit concatenation
			s += p.next().text
		}
		return s, nil
	case "num":
		if strings.Contains(t.text, ".") {
			f, _ := strconv.ParseFloat(t.text, 64)
			return f, nil
		}
		n, _ := strconv.ParseInt(t.text, 10, 64)
		return n, nil
	case "name":
		switch t.text {
		case "None":
			return pyNone, nil
		case "True":
			return true, nil
		case "False":
			return false, nil
		}
		if pyKeywords[t.text] {
			return nil, &pyExc{"SyntaxError", fmt.Sprintf("%q is not supported by the stand-in python", t.text)}
		}
		if v, ok := p.vars[t.text]; ok {
			return v, nil
		}
		if v, ok := pyBuiltins(p)[t.text]; ok {
			return v, nil
		}
		return nil, &pyExc{"NameError", fmt.Sprintf("name '%s' is not defined", t.text)}
	case "op":
		switch t.text {
		case "[", "(":
			closing := map[string]string{"[": "]", "(": ")"}[t.text]
			var items []any
			for !p.accept(closing) {
				v, err := p.expr()
				if err != nil {
					return nil, err
				}
				items = append(items, v)
				if !p.accept(",") {
					if err := p.expect(closing); err != nil {
						return nil, err
					}
					break
				}
			}
			if t.text == "(" && len(items) == 1 {
				return items[0], nil
			}
			if items == nil {
				items = []any{}
			}
			return items, nil
		}
	}
	return nil, &pyExc{"SyntaxError", fmt.Sprintf("invalid syntax near %q (stand-in python)", t.text)}
}

func pyIndex(v, lo, hi any, slice bool) (any, error) {
	if _, ok := v.(pyEnviron); ok {
		k, ok := lo.(string)
		if !ok || slice {
			return nil, &pyExc{"TypeError", "str expected, not " + pyType(lo)}
		}
		val, set := os.LookupEnv(k)
		if !set {
			return nil, &pyExc{"KeyError", "'" + k + "'"}
		}
		return val, nil
	}
	var n int
	var at func(i int) any
	var sub func(a, b int) any
	switch x := v.(type) {
	case []any:
		n, at, sub = len(x), func(i int) any { return x[i] }, func(a, b int) any { return append([]any{}, x[a:b]...) }
	case string:
		n, at, sub = len(x), func(i int) any { return x[i : i+1] }, func(a, b int) any { return x[a:b] }
	default:
		return nil, &pyExc{"TypeError", fmt.Sprintf("'%s' object is not subscriptable", pyType(v))}
	}
	norm := func(x any, def int, clamp bool) (int, error) {
		if x == nil {
			return def, nil
		}
		i, ok := x.(int64)
		if !ok {
			return 0, &pyExc{"TypeError", "indices must be integers"}
		}
		k := int(i)
		if k < 0 {
			k += n
		}
		if clamp {
			k = max(0, min(k, n))
		}
		return k, nil
	}
	if slice {
		a, err := norm(lo, 0, true)
		if err != nil {
			return nil, err
		}
		b, err := norm(hi, n, true)
		if err != nil {
			return nil, err
		}
		if b < a {
			b = a
		}
		return sub(a, b), nil
	}
	i, err := norm(lo, 0, false)
	if err != nil {
		return nil, err
	}
	if i < 0 || i >= n {
		return nil, &pyExc{"IndexError", pyType(v) + " index out of range"}
	}
	return at(i), nil
}

func pyStr(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		if x {
			return "True"
		}
		return "False"
	case pyNoneT:
		return "None"
	case pyBytes:
		return fmt.Sprintf("b%q", string(x))
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			if s, ok := e.(string); ok {
				parts[i] = "'" + s + "'"
			} else {
				parts[i] = pyStr(e)
			}
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return fmt.Sprintf("<%s object>", pyType(v))
}

func pySeconds(v any) time.Duration {
	switch x := v.(type) {
	case int64:
		return time.Duration(x) * time.Second
	case float64:
		return time.Duration(x * float64(time.Second))
	}
	return 0
}

func pyBuiltins(p *pyInterp) map[string]any {
	return map[string]any{
		"print": pyFunc(func(args []any, kw map[string]any) (any, error) {
			parts := make([]string, len(args))
			for i, a := range args {
				parts[i] = pyStr(a)
			}
			fmt.Println(strings.Join(parts, " "))
			return pyNone, nil
		}),
		"str": pyFunc(func(args []any, kw map[string]any) (any, error) {
			if len(args) == 0 {
				return "", nil
			}
			return pyStr(args[0]), nil
		}),
		"len": pyFunc(func(args []any, kw map[string]any) (any, error) {
			switch x := args[0].(type) {
			case string:
				return int64(len(x)), nil
			case []any:
				return int64(len(x)), nil
			case pyBytes:
				return int64(len(x)), nil
			}
			return nil, &pyExc{"TypeError", "object has no len()"}
		}),
		"open": pyFunc(func(args []any, kw map[string]any) (any, error) {
			path, _ := args[0].(string)
			mode := "r"
			if len(args) > 1 {
				mode, _ = args[1].(string)
			}
			var f *os.File
			var err error
			switch {
			case strings.HasPrefix(mode, "w"):
				f, err = os.Create(path)
			case strings.HasPrefix(mode, "a"):
				f, err = os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
			default:
				f, err = os.Open(path)
			}
			if err != nil {
				if errors.Is(err, os.ErrNotExist) {
					return nil, &pyExc{"FileNotFoundError", fmt.Sprintf("[Errno 2] No such file or directory: '%s'", path)}
				}
				return nil, &pyExc{"OSError", err.Error()}
			}
			return &pyFile{f: f, path: path}, nil
		}),
	}
}

var pyModules map[string]*pyModule

func init() {
	fn := func(f func(args []any, kw map[string]any) (any, error)) pyFunc { return pyFunc(f) }
	urlopen := fn(func(args []any, kw map[string]any) (any, error) {
		if len(args) == 0 {
			return nil, &pyExc{"TypeError", "urlopen() missing 1 required positional argument: 'url'"}
		}
		u, ok := args[0].(string)
		if !ok {
			return nil, &pyExc{"AttributeError", fmt.Sprintf("'%s' object has no attribute 'timeout'", pyType(args[0]))}
		}
		timeout := pySeconds(kw["timeout"])
		if len(args) > 2 {
			timeout = pySeconds(args[2])
		}
		if !strings.Contains(u, "://") {
			return nil, &pyExc{"ValueError", fmt.Sprintf("unknown url type: '%s'", u)}
		}
		resp, err := doFetch(fetchRequest{URL: u, Timeout: timeout, Connect: timeout, Follow: true, Headers: map[string][]string{"User-Agent": {"Python-urllib/3.12"}}})
		if err != nil {
			fe := err.(*fetchError)
			reason := map[int]string{6: "[Errno -2] Name or service not known", 7: "[Errno 111] Connection refused", 28: "timed out", 60: "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"}[fe.Code]
			if reason == "" {
				reason = fe.Msg
			}
			if fe.Code == 28 {
				return nil, &pyExc{"TimeoutError", "timed out"}
			}
			return nil, &pyExc{"urllib.error.URLError", fmt.Sprintf("<urlopen error %s>", reason)}
		}
		if resp.Status >= 400 {
			return nil, &pyExc{"urllib.error.HTTPError", fmt.Sprintf("HTTP Error %d: %s", resp.Status, resp.StatusText)}
		}
		return &pyResponse{resp}, nil
	})
	environ := pyEnviron{}
	pyModules = map[string]*pyModule{
		"os": {name: "os", attrs: map[string]any{
			"environ": environ,
			"getenv": fn(func(args []any, kw map[string]any) (any, error) {
				k, _ := args[0].(string)
				if v, ok := os.LookupEnv(k); ok {
					return v, nil
				}
				if len(args) > 1 {
					return args[1], nil
				}
				return pyNone, nil
			}),
			"execvp": fn(func(args []any, kw map[string]any) (any, error) {
				file, _ := args[0].(string)
				list, ok := args[1].([]any)
				if !ok || len(list) == 0 {
					return nil, &pyExc{"ValueError", "execvp() arg 2 must not be empty"}
				}
				argv := make([]string, len(list))
				for i, a := range list {
					s, ok := a.(string)
					if !ok {
						return nil, &pyExc{"TypeError", "expected str, bytes or os.PathLike object, not " + pyType(a)}
					}
					argv[i] = s
				}
				path, err := lookPath(file)
				if err != nil {
					return nil, &pyExc{"FileNotFoundError", "[Errno 2] No such file or directory"}
				}
				err = syscall.Exec(path, argv, os.Environ())
				return nil, &pyExc{"OSError", err.Error()}
			}),
		}},
		"sys": {name: "sys", attrs: map[string]any{
			"exit": fn(func(args []any, kw map[string]any) (any, error) {
				if len(args) == 0 {
					return nil, &pyExit{0}
				}
				switch x := args[0].(type) {
				case int64:
					return nil, &pyExit{int(x)}
				case pyNoneT:
					return nil, &pyExit{0}
				default:
					fmt.Fprintln(os.Stderr, pyStr(x))
					return nil, &pyExit{1}
				}
			}),
		}},
		"urllib":         {name: "urllib", attrs: map[string]any{}},
		"urllib.request": {name: "urllib.request", attrs: map[string]any{"urlopen": urlopen}},
		"urllib.error":   {name: "urllib.error", attrs: map[string]any{}},
		"socket": {name: "socket", attrs: map[string]any{
			"create_connection": fn(func(args []any, kw map[string]any) (any, error) {
				addr, ok := args[0].([]any)
				if !ok || len(addr) != 2 {
					return nil, &pyExc{"TypeError", "address must be a (host, port) tuple"}
				}
				host, _ := addr[0].(string)
				port, _ := addr[1].(int64)
				timeout := pySeconds(kw["timeout"])
				if len(args) > 1 {
					timeout = pySeconds(args[1])
				}
				if timeout == 0 {
					timeout = time.Minute
				}
				c, err := net.DialTimeout("tcp", net.JoinHostPort(host, strconv.FormatInt(port, 10)), timeout)
				if err != nil {
					if errors.Is(err, syscall.ECONNREFUSED) {
						return nil, &pyExc{"ConnectionRefusedError", "[Errno 111] Connection refused"}
					}
					if os.IsTimeout(err) {
						return nil, &pyExc{"TimeoutError", "timed out"}
					}
					return nil, &pyExc{"OSError", err.Error()}
				}
				return &pySocket{c}, nil
			}),
		}},
	}
	pyModules["urllib"].attrs["request"] = pyModules["urllib.request"]
	pyModules["urllib"].attrs["error"] = pyModules["urllib.error"]
}

func pyImport(name string) (*pyModule, error) {
	if m, ok := pyModules[name]; ok {
		return m, nil
	}
	return nil, &pyExc{"ModuleNotFoundError", fmt.Sprintf("No module named '%s' (the stand-in python knows os, sys, socket, urllib.request)", name)}
}

func pyGetAttr(v any, name string) (any, error) {
	fn := func(f func(args []any, kw map[string]any) (any, error)) (any, error) { return pyFunc(f), nil }
	switch x := v.(type) {
	case *pyModule:
		if a, ok := x.attrs[name]; ok {
			return a, nil
		}
		if m, ok := pyModules[x.name+"."+name]; ok {
			return m, nil
		}
		return nil, &pyExc{"AttributeError", fmt.Sprintf("module '%s' has no attribute '%s'", x.name, name)}
	case pyEnviron:
		if name == "get" {
			return fn(func(args []any, kw map[string]any) (any, error) {
				k, _ := args[0].(string)
				if val, ok := os.LookupEnv(k); ok {
					return val, nil
				}
				if len(args) > 1 {
					return args[1], nil
				}
				return pyNone, nil
			})
		}
	case *pyFile:
		switch name {
		case "write":
			return fn(func(args []any, kw map[string]any) (any, error) {
				s, ok := args[0].(string)
				if !ok {
					return nil, &pyExc{"TypeError", "write() argument must be str, not " + pyType(args[0])}
				}
				if _, err := x.f.WriteString(s); err != nil {
					return nil, &pyExc{"OSError", err.Error()}
				}
				x.f.Sync()
				return int64(len(s)), nil
			})
		case "read":
			return fn(func(args []any, kw map[string]any) (any, error) {
				b, err := os.ReadFile(x.path)
				if err != nil {
					return nil, &pyExc{"OSError", err.Error()}
				}
				return string(b), nil
			})
		case "close":
			return fn(func(args []any, kw map[string]any) (any, error) { x.f.Close(); return pyNone, nil })
		}
	case *pyResponse:
		switch name {
		case "read":
			return fn(func(args []any, kw map[string]any) (any, error) { return pyBytes(x.r.Body), nil })
		case "getcode":
			return fn(func(args []any, kw map[string]any) (any, error) { return int64(x.r.Status), nil })
		case "status", "code":
			return int64(x.r.Status), nil
		case "close":
			return fn(func(args []any, kw map[string]any) (any, error) { return pyNone, nil })
		}
	case *pySocket:
		if name == "close" {
			return fn(func(args []any, kw map[string]any) (any, error) { x.c.Close(); return pyNone, nil })
		}
	case pyBytes:
		if name == "decode" {
			return fn(func(args []any, kw map[string]any) (any, error) { return string(x), nil })
		}
	case string:
		switch name {
		case "encode":
			return fn(func(args []any, kw map[string]any) (any, error) { return pyBytes(x), nil })
		case "strip":
			return fn(func(args []any, kw map[string]any) (any, error) { return strings.TrimSpace(x), nil })
		}
	}
	return nil, &pyExc{"AttributeError", fmt.Sprintf("'%s' object has no attribute '%s'", pyType(v), name)}
}

// pyRun interprets src with sys.argv = argv; it returns the exit code Python would.
func pyRun(src string, argv []string) int {
	toks, err := pyLex(src)
	if err != nil {
		fmt.Fprintf(os.Stderr, "  File \"<string>\", line 1\n%v\n", err)
		return 1
	}
	p := &pyInterp{toks: toks, vars: map[string]any{}, argv: argv}
	list := make([]any, len(argv))
	for i, a := range argv {
		list[i] = a
	}
	pyModules["sys"].attrs["argv"] = list
	err = p.runProgram()
	var exit *pyExit
	var exc *pyExc
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		return exit.code
	case errors.As(err, &exc):
		if exc.Type != "SyntaxError" {
			fmt.Fprintln(os.Stderr, "Traceback (most recent call last):\n  File \"<string>\", line 1, in <module>")
		}
		fmt.Fprintln(os.Stderr, exc.Error())
		return 1
	}
	fmt.Fprintln(os.Stderr, err)
	return 1
}

func pythonMain(args []string) int {
	switch {
	case len(args) >= 2 && args[0] == "-c":
		return pyRun(args[1], append([]string{"-c"}, args[2:]...))
	case len(args) >= 1 && (args[0] == "-V" || args[0] == "--version"):
		fmt.Println("Python 3.12.0 (stand-in)")
		return 0
	case len(args) >= 1 && !strings.HasPrefix(args[0], "-"):
		b, err := os.ReadFile(args[0])
		if err != nil {
			abs, _ := filepath.Abs(args[0])
			fmt.Fprintf(os.Stderr, "python: can't open file '%s': [Errno 2] No such file or directory\n", abs)
			return 2
		}
		first, _, _ := strings.Cut(string(b), "\n")
		if role, ok := strings.CutPrefix(strings.TrimSpace(first), "# standin-role:"); ok {
			return runRole(strings.TrimSpace(role), args[1:])
		}
		return pyRun(string(b), args)
	}
	fmt.Fprintf(os.Stderr, "python (stand-in): unsupported invocation %q\n", args)
	return 2
}
