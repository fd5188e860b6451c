package lualib

import (
	"crypto/rand"
	"strings"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/ast"
)

// concatMarker stands for concat in rewritten code; being random, it is
// no string a script could hold.
var concatMarker = "(concat) " + rand.Text()

var concatFn = &lua.LFunction{IsG: true, GFunction: concat}

// rewriteConcats rewrites the concatenations in stmts, at any depth: Lua
// 5.1's .. writes a number operand as "%.14g" (FormatNumber), gopher-lua's
// VM as Go's fmt does, and the VM has no hook to change that. Each chain
// a .. b .. c becomes
//
//   - one string literal, made now, if its operands are all string or
//     number literals;
//   - else the call concat(a, b, c): the operands are evaluated as before,
//     left to right, each to one value, and concat joins them as the VM
//     would, numbers aside — __concat metamethods, the errors, their words
//     and line are the VM's.
//
// The call's target is the string constant concatMarker, which bindConcat
// swaps for concat itself once compiled: no global variable holds concat,
// so scripts can neither see nor replace it. Its frames do not count in
// stack levels (see GetStack).
func rewriteConcats(stmts []ast.Stmt) {
	for _, s := range stmts {
		rewriteStmt(s)
	}
}

func rewriteStmt(s ast.Stmt) {
	switch s := s.(type) {
	case *ast.AssignStmt:
		rewriteExprs(s.Lhs)
		rewriteExprs(s.Rhs)
	case *ast.LocalAssignStmt:
		rewriteExprs(s.Exprs)
	case *ast.FuncCallStmt:
		s.Expr = rewriteExpr(s.Expr)
	case *ast.DoBlockStmt:
		rewriteConcats(s.Stmts)
	case *ast.WhileStmt:
		s.Condition = rewriteExpr(s.Condition)
		rewriteConcats(s.Stmts)
	case *ast.RepeatStmt:
		s.Condition = rewriteExpr(s.Condition)
		rewriteConcats(s.Stmts)
	case *ast.IfStmt:
		s.Condition = rewriteExpr(s.Condition)
		rewriteConcats(s.Then)
		rewriteConcats(s.Else)
	case *ast.NumberForStmt:
		s.Init, s.Limit, s.Step = rewriteExpr(s.Init), rewriteExpr(s.Limit), rewriteExpr(s.Step)
		rewriteConcats(s.Stmts)
	case *ast.GenericForStmt:
		rewriteExprs(s.Exprs)
		rewriteConcats(s.Stmts)
	case *ast.FuncDefStmt:
		rewriteConcats(s.Func.Stmts)
	case *ast.ReturnStmt:
		rewriteExprs(s.Exprs)
	}
}

func rewriteExprs(es []ast.Expr) {
	for i, e := range es {
		es[i] = rewriteExpr(e)
	}
}

// rewriteExpr returns e with its concatenations replaced (nil for nil).
func rewriteExpr(e ast.Expr) ast.Expr {
	switch e := e.(type) {
	case *ast.StringConcatOpExpr:
		return rewriteChain(e)
	case *ast.AttrGetExpr:
		e.Object, e.Key = rewriteExpr(e.Object), rewriteExpr(e.Key)
	case *ast.TableExpr:
		for _, f := range e.Fields {
			f.Key, f.Value = rewriteExpr(f.Key), rewriteExpr(f.Value)
		}
	case *ast.FuncCallExpr:
		e.Func, e.Receiver = rewriteExpr(e.Func), rewriteExpr(e.Receiver)
		rewriteExprs(e.Args)
	case *ast.LogicalOpExpr:
		e.Lhs, e.Rhs = rewriteExpr(e.Lhs), rewriteExpr(e.Rhs)
	case *ast.RelationalOpExpr:
		e.Lhs, e.Rhs = rewriteExpr(e.Lhs), rewriteExpr(e.Rhs)
	case *ast.ArithmeticOpExpr:
		e.Lhs, e.Rhs = rewriteExpr(e.Lhs), rewriteExpr(e.Rhs)
	case *ast.UnaryMinusOpExpr:
		e.Expr = rewriteExpr(e.Expr)
	case *ast.UnaryNotOpExpr:
		e.Expr = rewriteExpr(e.Expr)
	case *ast.UnaryLenOpExpr:
		e.Expr = rewriteExpr(e.Expr)
	case *ast.FunctionExpr:
		rewriteConcats(e.Stmts)
	}
	return e
}

// rewriteChain rewrites a .. b .. c, which the parser nests to the right
// (and gopher-lua compiles as one concatenation of all the operands).
func rewriteChain(chain *ast.StringConcatOpExpr) ast.Expr {
	var operands []ast.Expr
	for e := chain; ; {
		operands = append(operands, rewriteExpr(e.Lhs))
		next, ok := e.Rhs.(*ast.StringConcatOpExpr)
		if !ok {
			operands = append(operands, rewriteExpr(e.Rhs))
			break
		}
		e = next
	}
	if text, ok := literalText(operands); ok {
		lit := &ast.StringExpr{Value: text}
		lit.SetLine(chain.Line())
		lit.SetLastLine(chain.LastLine())
		return lit
	}
	// The last operand gives one value, as in the concatenation, not all
	// the values of a call or of ....
	switch last := operands[len(operands)-1].(type) {
	case *ast.FuncCallExpr:
		last.AdjustRet = true
	case *ast.Comma3Expr:
		last.AdjustRet = true
	}
	fn := &ast.StringExpr{Value: concatMarker}
	call := &ast.FuncCallExpr{Func: fn, Args: operands}
	// On the chain's line, where the VM would raise its errors.
	for _, n := range []ast.PositionHolder{fn, call} {
		n.SetLine(chain.Line())
		n.SetLastLine(chain.LastLine())
	}
	return call
}

// literalText is the concatenation of operands that are all string or
// number literals.
func literalText(operands []ast.Expr) (string, bool) {
	var b strings.Builder
	for _, e := range operands {
		switch e := e.(type) {
		case *ast.StringExpr:
			b.WriteString(e.Value)
		case *ast.NumberExpr:
			f, ok := ParseNumber(e.Value)
			if !ok {
				return "", false
			}
			b.WriteString(FormatNumber(f))
		default:
			return "", false
		}
	}
	return b.String(), true
}

// bindConcat puts concat where the compiled code of p and of the
// functions in it loads concatMarker.
func bindConcat(p *lua.FunctionProto) {
	for i, k := range p.Constants {
		if k == lua.LString(concatMarker) {
			p.Constants[i] = concatFn
		}
	}
	for _, f := range p.FunctionPrototypes {
		bindConcat(f)
	}
}

// concat is Lua's .. on its operands, as gopher-lua's VM does it but for
// numbers: from the right, each run of strings and numbers is joined into
// one string; a pair with another value goes to the __concat metamethod of
// its left value, else of its right one.
func concat(L *lua.LState) int {
	top := L.GetTop()
	rhs := L.Get(top)
	for i := top - 1; i >= 1; i-- {
		lhs := L.Get(i)
		if !isText(lhs) || !isText(rhs) {
			rhs = concatMeta(L, lhs, rhs)
			continue
		}
		first := i
		for first > 1 && isText(L.Get(first-1)) {
			first--
		}
		parts := make([]string, 0, i-first+2)
		for j := first; j <= i; j++ {
			parts = append(parts, luaText(L.Get(j)))
		}
		rhs = lua.LString(strings.Join(append(parts, luaText(rhs)), ""))
		i = first
	}
	L.Push(rhs)
	return 1
}

// isText reports whether .. joins v without a metamethod.
func isText(v lua.LValue) bool {
	switch v.(type) {
	case lua.LString, lua.LNumber:
		return true
	}
	return false
}

// concatMeta concatenates lhs and rhs with a __concat metamethod, or
// raises the VM's error.
func concatMeta(L *lua.LState, lhs, rhs lua.LValue) lua.LValue {
	op := L.GetMetaField(lhs, "__concat")
	if op == lua.LNil {
		op = L.GetMetaField(rhs, "__concat")
	}
	if op.Type() != lua.LTFunction {
		L.RaiseError("cannot perform concat operation between %v and %v", lhs.Type().String(), rhs.Type().String())
	}
	L.Push(op)
	L.Push(lhs)
	L.Push(rhs)
	L.Call(2, 1)
	v := L.Get(-1)
	L.Pop(1)
	return v
}

// GetStack is L.GetStack with the levels Lua would count: concat's frames
// are left out, as Lua's VM calls __concat metamethods itself.
func GetStack(L *lua.LState, level int) (*lua.Debug, bool) {
	for i := 0; i <= level; i++ {
		if dbg, ok := L.GetStack(i); ok {
			if fn, _ := L.GetInfo("f", dbg, lua.LNil); fn == concatFn {
				level++
			}
		}
	}
	return L.GetStack(level)
}
