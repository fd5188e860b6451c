package lualib

import (
	"strconv"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/ast"
)

// CompileStepping compiles a script for Redis's Lua debugger (SCRIPT
// DEBUG). gopher-lua has no line hook, so the script calls the global
// function hook with a line number wherever Lua 5.1's line hook would
// fire: before each statement, at the line of its first instruction, and
// where a loop goes round again. A statement spread over several lines
// stops once, at its first line.
func CompileStepping(code, chunk, hook string) (*lua.FunctionProto, string) {
	stmts, msg := parseChunk(code, chunk)
	if msg != "" {
		return nil, msg
	}
	in := stepper{hook: hook}
	return compileChunk(in.block(stmts, 0, -1), chunk)
}

type stepper struct{ hook string }

// block instruments a block; loop, if not 0, is the line of a while
// loop's test, which Lua stops at again after each pass through the block
// (a jump back always fires the hook). Otherwise the hook fires when the
// line changes, so a statement on the line of the last stop, last (-1:
// none), gets no stop of its own.
func (in stepper) block(stmts []ast.Stmt, loop, last int) []ast.Stmt {
	out := make([]ast.Stmt, 0, 2*len(stmts)+1)
	for _, s := range stmts {
		in.stmt(s)
		for _, line := range stopLines(s) {
			if line != last {
				out = append(out, in.call(line))
			}
			last = line
		}
		out = append(out, s)
		switch s.(type) {
		case *ast.AssignStmt, *ast.LocalAssignStmt, *ast.FuncCallStmt:
		default: // it may have jumped, or called back into this line
			last = -1
		}
	}
	if loop != 0 && !endsBlock(stmts) {
		out = append(out, in.call(loop))
	}
	return out
}

// loopBody instruments the body of a for or repeat loop, whose test is on
// line and jumps back to the body's first line: a jump back fires the
// hook there, and the test fires it too if it is on another line than the
// body's end.
func (in stepper) loopBody(stmts []ast.Stmt, line int) []ast.Stmt {
	if len(stmts) == 0 {
		return []ast.Stmt{in.call(line)}
	}
	out := in.block(stmts, 0, -1)
	if last := stmts[len(stmts)-1]; !endsBlock(stmts) && max(last.Line(), last.LastLine()) != line {
		out = append(out, in.call(line))
	}
	return out
}

// endsBlock reports whether a block ends with return or break, after
// which nothing may follow.
func endsBlock(stmts []ast.Stmt) bool {
	if len(stmts) == 0 {
		return false
	}
	switch stmts[len(stmts)-1].(type) {
	case *ast.ReturnStmt, *ast.BreakStmt:
		return true
	}
	return false
}

// stopLines are the lines Lua's hook reports as statement s starts.
func stopLines(s ast.Stmt) []int {
	switch s := s.(type) {
	case *ast.DoBlockStmt, *ast.RepeatStmt, *ast.LabelStmt:
		return nil // no instruction on their first line
	case *ast.WhileStmt:
		if alwaysTrue(s.Condition) {
			return nil
		}
	case *ast.LocalAssignStmt:
		if f := onlyFunction(s.Exprs); f != nil {
			return []int{f.LastLine()} // the closure is made at its end
		}
	case *ast.AssignStmt:
		if f := onlyFunction(s.Rhs); f != nil {
			return []int{f.LastLine()}
		}
	case *ast.FuncDefStmt:
		// The closure at its end, then the assignment on the first line.
		return []int{s.Func.LastLine(), s.Line()}
	}
	return []int{s.Line()}
}

// alwaysTrue reports a constant Lua compiles no test for.
func alwaysTrue(e ast.Expr) bool {
	switch e.(type) {
	case *ast.TrueExpr, *ast.NumberExpr, *ast.StringExpr:
		return true
	}
	return false
}

func onlyFunction(exprs []ast.Expr) *ast.FunctionExpr {
	if len(exprs) != 1 {
		return nil
	}
	f, _ := exprs[0].(*ast.FunctionExpr)
	return f
}

// stmt instruments the blocks inside s.
func (in stepper) stmt(s ast.Stmt) {
	switch s := s.(type) {
	case *ast.AssignStmt:
		in.exprs(s.Lhs)
		in.exprs(s.Rhs)
	case *ast.LocalAssignStmt:
		in.exprs(s.Exprs)
	case *ast.FuncCallStmt:
		in.expr(s.Expr)
	case *ast.DoBlockStmt:
		s.Stmts = in.block(s.Stmts, 0, -1)
	case *ast.WhileStmt:
		in.expr(s.Condition)
		loop := s.Line()
		if alwaysTrue(s.Condition) {
			loop = 0 // no test: the jump back goes to the body's first line
		}
		s.Stmts = in.block(s.Stmts, loop, s.Line())
	case *ast.RepeatStmt:
		in.expr(s.Condition)
		s.Stmts = in.loopBody(s.Stmts, s.Condition.Line())
	case *ast.IfStmt:
		in.expr(s.Condition)
		s.Then = in.block(s.Then, 0, s.Line())
		s.Else = in.block(s.Else, 0, s.Line())
	case *ast.NumberForStmt:
		in.exprs([]ast.Expr{s.Init, s.Limit, s.Step})
		s.Stmts = in.loopBody(s.Stmts, s.Line())
	case *ast.GenericForStmt:
		in.exprs(s.Exprs)
		s.Stmts = in.loopBody(s.Stmts, s.Line())
	case *ast.FuncDefStmt:
		in.expr(s.Func)
	case *ast.ReturnStmt:
		in.exprs(s.Exprs)
	}
}

func (in stepper) exprs(es []ast.Expr) {
	for _, e := range es {
		in.expr(e)
	}
}

// expr instruments the bodies of the functions defined in e.
func (in stepper) expr(e ast.Expr) {
	switch e := e.(type) {
	case *ast.FunctionExpr:
		e.Stmts = in.block(e.Stmts, 0, -1) // a call always stops at its first line
	case *ast.AttrGetExpr:
		in.exprs([]ast.Expr{e.Object, e.Key})
	case *ast.TableExpr:
		for _, f := range e.Fields {
			in.exprs([]ast.Expr{f.Key, f.Value})
		}
	case *ast.FuncCallExpr:
		in.exprs([]ast.Expr{e.Func, e.Receiver})
		in.exprs(e.Args)
	case *ast.LogicalOpExpr:
		in.exprs([]ast.Expr{e.Lhs, e.Rhs})
	case *ast.RelationalOpExpr:
		in.exprs([]ast.Expr{e.Lhs, e.Rhs})
	case *ast.StringConcatOpExpr:
		in.exprs([]ast.Expr{e.Lhs, e.Rhs})
	case *ast.ArithmeticOpExpr:
		in.exprs([]ast.Expr{e.Lhs, e.Rhs})
	case *ast.UnaryMinusOpExpr:
		in.expr(e.Expr)
	case *ast.UnaryNotOpExpr:
		in.expr(e.Expr)
	case *ast.UnaryLenOpExpr:
		in.expr(e.Expr)
	}
}

// call is the statement hook(line), placed on that line.
func (in stepper) call(line int) ast.Stmt {
	fn := &ast.IdentExpr{Value: in.hook}
	arg := &ast.NumberExpr{Value: strconv.Itoa(line)}
	ce := &ast.FuncCallExpr{Func: fn, Args: []ast.Expr{arg}}
	s := &ast.FuncCallStmt{Expr: ce}
	for _, n := range []ast.PositionHolder{fn, arg, ce, s} {
		n.SetLine(line)
		n.SetLastLine(line)
	}
	return s
}
