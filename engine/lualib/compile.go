package lualib

import (
	"errors"
	"fmt"
	"strings"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/ast"
	"github.com/yuin/gopher-lua/parse"
)

// Compile compiles a chunk; errors read like Lua's ("user_script:1:
// ..."), in gopher-lua's words but for the commonest ones. Its
// concatenations write numbers as Lua does (see rewriteConcats).
func Compile(code, chunk string) (*lua.FunctionProto, string) {
	stmts, msg := parseChunk(code, chunk)
	if msg != "" {
		return nil, msg
	}
	return compileChunk(stmts, chunk)
}

// parseChunk parses code, with errors worded as Compile's.
func parseChunk(code, chunk string) ([]ast.Stmt, string) {
	stmts, err := parse.Parse(strings.NewReader(code), chunk)
	if err != nil {
		var pe *parse.Error
		if !errors.As(err, &pe) {
			return nil, fmt.Sprintf("%s: %v", chunk, err)
		}
		line, near, msg := pe.Pos.Line, pe.Token, pe.Message
		if line == parse.EOF {
			line, near = strings.Count(code, "\n")+1, "<eof>"
		}
		switch msg { // the commonest of Lua's own words
		case "syntax error":
			msg = "unexpected symbol"
		case "unterminated string":
			// Lua stops at the newline, still on the string's line.
			msg = "unfinished string"
			if nl := lineStart(code, line) - 1; near != "<eof>" && line > 1 && nl >= 0 {
				if q := strings.LastIndexAny(code[:nl], "'\""); q >= 0 {
					line, near = line-1, code[q:nl]
				}
			}
		}
		return nil, fmt.Sprintf("%s:%d: %s near '%s'", chunk, line, msg, near)
	}
	return stmts, ""
}

// compileChunk compiles parsed statements, with errors worded as Compile's
// and concatenations rewritten.
func compileChunk(stmts []ast.Stmt, chunk string) (*lua.FunctionProto, string) {
	rewriteConcats(stmts)
	proto, err := lua.Compile(stmts, chunk)
	if err != nil {
		var ce *lua.CompileError
		if errors.As(err, &ce) {
			return nil, fmt.Sprintf("%s:%d: %s", chunk, ce.Line, ce.Message)
		}
		return nil, fmt.Sprintf("%s: %v", chunk, err)
	}
	bindConcat(proto)
	return proto, ""
}

// lineStart is the offset of line n (from 1) in code.
func lineStart(code string, n int) int {
	off := 0
	for ; n > 1; n-- {
		i := strings.IndexByte(code[off:], '\n')
		if i < 0 {
			return len(code)
		}
		off += i + 1
	}
	return off
}

// chunkID is how Lua names a chunk in messages (luaO_chunkid): "=name"
// and "@file" as given, source code as [string "first line..."].
func chunkID(name string) string {
	const idSize = 60
	switch {
	case strings.HasPrefix(name, "="):
		return truncate(name[1:], idSize-1)
	case strings.HasPrefix(name, "@"):
		if len(name)-1 <= idSize-1 {
			return name[1:]
		}
		return "..." + name[len(name)-(idSize-4):]
	}
	line := name
	if i := strings.IndexAny(name, "\r\n"); i >= 0 {
		line = name[:i]
	}
	limit := idSize - len(` [string "..."] `) - 1
	if len(line) > limit {
		line = line[:limit]
	}
	if len(line) < len(name) {
		return `[string "` + line + `..."]`
	}
	return `[string "` + line + `"]`
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
