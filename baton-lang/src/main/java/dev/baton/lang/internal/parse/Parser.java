package dev.baton.lang.internal.parse;

import dev.baton.lang.Code;
import dev.baton.lang.SourceFile;
import dev.baton.lang.Span;
import dev.baton.lang.ast.Block;
import dev.baton.lang.ast.Decl;
import dev.baton.lang.ast.Expr;
import dev.baton.lang.ast.FieldDecl;
import dev.baton.lang.ast.Member;
import dev.baton.lang.ast.Name;
import dev.baton.lang.ast.Options;
import dev.baton.lang.ast.Param;
import dev.baton.lang.ast.Program;
import dev.baton.lang.ast.QualifiedName;
import dev.baton.lang.ast.Stmt;
import dev.baton.lang.ast.TypeRef;
import dev.baton.lang.internal.DiagnosticSink;
import dev.baton.lang.internal.Suggest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Recursive-descent parser: one method per grammar rule (see {@code docs/language.md}).
 *
 * <h2>Error recovery</h2>
 * A syntax error throws the private {@link Bail}, caught at the nearest statement, member or
 * declaration, which reports nothing more and {@linkplain #syncStatement() synchronises}:
 * it skips to the next token that starts a line with a statement keyword, or to the
 * {@code }} closing the current block. One run therefore reports many independent errors.
 *
 * <h2>Depth</h2>
 * Nesting (blocks, parentheses, operator chains, else-if chains) is counted; past
 * {@link #MAX_DEPTH} the parser reports {@code B0111} and skips the declaration, so no input
 * can overflow the stack here or in the passes that walk the tree.
 *
 * <h2>Line breaks</h2>
 * Line breaks separate nothing, except: {@code return}'s value, a call's {@code (} and an
 * index's {@code [} and a clamp's {@code min}/{@code max} must be on the same line as what
 * they continue.
 */
public final class Parser {
    public static final int MAX_DEPTH = 256;

    static final Set<String> DECL_WORDS = Set.of(
            "version", "Shape", "Event", "Constraint", "Module", "Workflow", "AI", "Migration", "Load", "Fault", "Report", "Param");
    static final Set<String> MEMBER_WORDS = Set.of("ON", "Tick", "Constraint");
    static final Set<String> STMT_WORDS = Set.of(
            "let", "if", "for", "while", "return", "break", "continue", "Fail", "Call", "Start", "Run", "Emit",
            "Sleep", "Await", "Saga", "Lock", "Fork", "Join", "Ask", "Evaluate", "Cancel");
    private static final Set<String> ALL_KEYWORDS;

    static {
        java.util.HashSet<String> all = new java.util.HashSet<>(DECL_WORDS);
        all.addAll(MEMBER_WORDS);
        all.addAll(STMT_WORDS);
        ALL_KEYWORDS = Set.copyOf(all);
    }

    private final SourceFile file;
    private final DiagnosticSink sink;
    private final List<Token> tokens;
    private final Lexer lexer;
    private int pos;
    private int depth;
    private boolean tooDeepReported;

    /** Thrown to unwind to the nearest recovery point; the error is already reported. */
    private static final class Bail extends RuntimeException {
        final boolean tooDeep;

        Bail(boolean tooDeep) {
            super(null, null, false, false);
            this.tooDeep = tooDeep;
        }
    }

    public Parser(SourceFile file, DiagnosticSink sink) {
        this.file = file;
        this.sink = sink;
        this.lexer = new Lexer(file, sink).run();
        this.tokens = lexer.tokens();
    }

    public List<Token> tokens() {
        return tokens;
    }

    // ------------------------------------------------------------------ program

    public Program parseProgram() {
        List<Decl> decls = new ArrayList<>();
        while (!at(TokenKind.EOF)) {
            int before = pos;
            try {
                decls.add(decl());
                match(TokenKind.SEMI);
            } catch (Bail bail) {
                syncDecl(before);
            }
        }
        return new Program(decls, lexer.comments(), new Span(0, file.text().length()));
    }

    private Decl decl() {
        Token t = peek();
        if (t.is(TokenKind.VAR)) return stateDecl();
        if (t.is(TokenKind.IDENT)) {
            switch (t.text()) {
                case "version" -> {
                    advance();
                    Token n = expect(TokenKind.INT, "a version number after 'version'");
                    return new Decl.Version(parseLong(n), t.span().to(n.span()));
                }
                case "Shape" -> {
                    advance();
                    Name name = name("a shape name after 'Shape'");
                    List<FieldDecl> fields = fieldList();
                    return new Decl.Shape(name, fields, t.span().to(prevSpan()));
                }
                case "Event" -> {
                    advance();
                    QualifiedName name = qualifiedName("an event name like 'Player.AttackBoss'");
                    List<FieldDecl> fields = at(TokenKind.LBRACE) ? fieldList() : List.of();
                    return new Decl.Event(name, fields, t.span().to(prevSpan()));
                }
                case "Constraint" -> {
                    return constraint();
                }
                case "Module" -> {
                    return module();
                }
                case "Workflow" -> {
                    return workflow();
                }
                case "AI" -> {
                    advance();
                    Name name = name("a name after 'AI'");
                    Options options = optionsOpt();
                    return new Decl.Ai(name, options, t.span().to(prevSpan()));
                }
                case "Migration" -> {
                    return migration();
                }
                case "Load" -> {
                    advance();
                    Name name = name("a name after 'Load'");
                    Options options = optionsOpt();
                    Block body = block();
                    return new Decl.Load(name, options, body, t.span().to(body.span()));
                }
                case "Fault" -> {
                    advance();
                    Name name = name("a name after 'Fault'");
                    if (!at(TokenKind.LBRACKET)) throw error(peek(), "expected options after the fault's name, as in Fault Outage [at: 2s, module: M, key: 0, down: 5s]");
                    Options options = optionsOpt();
                    return new Decl.Fault(name, options, t.span().to(options.span()));
                }
                case "Param" -> {
                    advance();
                    Name name = name("a parameter name after 'Param'");
                    TypeRef type = null;
                    if (match(TokenKind.COLON)) type = type();
                    expect(TokenKind.EQ, "'=' and a default value for parameter " + name.text());
                    Expr value = expr();
                    return new Decl.Parameter(name, type, value, t.span().to(value.span()));
                }
                case "Report" -> {
                    advance();
                    if (!at(TokenKind.LBRACE)) throw error(peek(), "expected '{' and the report's figures after 'Report'");
                    Expr.MapLit body = mapLiteral();
                    return new Decl.Report(body, t.span().to(body.span()));
                }
                default -> {
                    // fall through to the error below
                }
            }
        }
        String hint = keywordHint(t, DECL_WORDS);
        throw error(t, "expected a declaration ('Module', 'Workflow', 'Shape', 'Event', 'AI', 'Constraint', "
                + "'Migration', 'Load', 'Fault', 'Report', 'Param', 'version' or '$state = …')" + hint + ", found " + describe(t));
    }

    private Decl.State stateDecl() {
        Token v = advance();
        Name name = new Name(v.text().substring(1), v.span());
        TypeRef type = null;
        if (match(TokenKind.COLON)) type = type();
        expect(TokenKind.EQ, "'=' and an initial value after " + v.text());
        Expr init = expr();
        return new Decl.State(name, type, init, v.span().to(init.span()));
    }

    private Decl.Constraint constraint() {
        Token kw = advance();
        Name name = name("a constraint name after 'Constraint'");
        expect(TokenKind.COLON, "':' after the constraint name");
        Expr cond = expr();
        return new Decl.Constraint(name, cond, kw.span().to(cond.span()));
    }

    private Decl.Module module() {
        Token kw = advance();
        Name name = name("a module name after 'Module'");
        Options options = optionsOpt();
        Token open = expect(TokenKind.LBRACE, "'{' to open module " + name.text());
        List<Member> members = new ArrayList<>();
        enter(open);
        try {
            while (!at(TokenKind.RBRACE) && !at(TokenKind.EOF)) {
                int before = pos;
                try {
                    members.add(member());
                    match(TokenKind.SEMI);
                } catch (Bail bail) {
                    if (bail.tooDeep) throw bail;
                    syncMember(before);
                }
            }
        } finally {
            depth--;
        }
        Token close = expect(TokenKind.RBRACE, "'}' to close module " + name.text());
        return new Decl.Module(name, options, members, kw.span().to(close.span()));
    }

    private Member member() {
        Token t = peek();
        if (t.is(TokenKind.VAR)) return stateDecl();
        if (t.isWord("Constraint")) return constraint();
        if (t.isWord("ON")) {
            advance();
            expect(TokenKind.LPAREN, "'(' after ON, as in ON (Player.AttackBoss)");
            QualifiedName event = qualifiedName("an event name like 'Player.AttackBoss'");
            expect(TokenKind.RPAREN, "')' after the event name");
            Options options = optionsOpt();
            Block body = block();
            return new Member.On(event, options, body, t.span().to(body.span()));
        }
        if (t.isWord("Tick")) {
            advance();
            if (!at(TokenKind.LBRACKET)) throw error(peek(), "expected a period after Tick, as in Tick [100ms]");
            Options options = optionsOpt();
            Block body = block();
            return new Member.Tick(options, body, t.span().to(body.span()));
        }
        if (t.is(TokenKind.IDENT)
                && (peekAt(1).is(TokenKind.SLASH) || peekAt(1).is(TokenKind.LPAREN))) {
            return endpoint();
        }
        String hint = keywordHint(t, MEMBER_WORDS);
        throw error(t, "expected a module member ('$state = …', 'ON (Event) { }', 'Tick [d] { }', "
                + "'Constraint', or an endpoint 'Name /execute { }')" + hint + ", found " + describe(t));
    }

    private Member.Endpoint endpoint() {
        Token nameTok = advance();
        Name name = new Name(nameTok.text(), nameTok.span());
        List<Param> params = null;
        if (at(TokenKind.LPAREN)) params = params();
        expect(TokenKind.SLASH, "'/execute' or '/return' after endpoint " + name.text());
        Token kindTok = peek();
        Member.Endpoint.Kind kind;
        if (kindTok.isWord("execute")) {
            kind = Member.Endpoint.Kind.EXECUTE;
        } else if (kindTok.isWord("return")) {
            kind = Member.Endpoint.Kind.RETURN;
        } else {
            throw error(kindTok, "expected 'execute' or 'return' after '/', found " + describe(kindTok));
        }
        advance();
        TypeRef returns = match(TokenKind.ARROW) ? type() : null;
        Block body = block();
        return new Member.Endpoint(name, params, kind, returns, body, nameTok.span().to(body.span()));
    }

    private Decl.Workflow workflow() {
        Token kw = advance();
        Name name = name("a workflow name after 'Workflow'");
        List<Param> params = at(TokenKind.LPAREN) ? params() : List.of();
        TypeRef returns = match(TokenKind.ARROW) ? type() : null;
        Options options = optionsOpt();
        Block body = block();
        return new Decl.Workflow(name, params, returns, options, body, kw.span().to(body.span()));
    }

    private Decl.Migration migration() {
        Token kw = advance();
        if (!peek().isWord("from")) throw error(peek(), "expected 'from' and a version, as in Migration from 1 { … }");
        advance();
        Token v = expect(TokenKind.INT, "the version this migration starts from");
        Token open = expect(TokenKind.LBRACE, "'{' to open the migration");
        List<Decl.MigrationItem> items = new ArrayList<>();
        enter(open);
        try {
            while (!at(TokenKind.RBRACE) && !at(TokenKind.EOF)) {
                Token t = peek();
                boolean wf;
                if (t.isWord("Module")) wf = false;
                else if (t.isWord("Workflow")) wf = true;
                else throw error(t, "expected 'Module Name { … }' or 'Workflow Name { … }' in a migration, found "
                            + describe(t));
                advance();
                Name target = name("the name of the module or workflow to migrate");
                Block body = block();
                items.add(new Decl.MigrationItem(wf, target, body, t.span().to(body.span())));
            }
        } finally {
            depth--;
        }
        Token close = expect(TokenKind.RBRACE, "'}' to close the migration");
        return new Decl.Migration(parseLong(v), items, kw.span().to(close.span()));
    }

    private List<Param> params() {
        expect(TokenKind.LPAREN, "'('");
        List<Param> params = new ArrayList<>();
        while (!at(TokenKind.RPAREN) && !at(TokenKind.EOF)) {
            Name n = name("a parameter name");
            TypeRef type = match(TokenKind.COLON) ? type() : null;
            Expr dflt = match(TokenKind.EQ) ? expr() : null;
            params.add(new Param(n, type, dflt, n.span().to(prevSpan())));
            if (!match(TokenKind.COMMA)) break;
        }
        expect(TokenKind.RPAREN, "')' after the parameters");
        return params;
    }

    private List<FieldDecl> fieldList() {
        Token open = expect(TokenKind.LBRACE, "'{' and a list of fields");
        List<FieldDecl> fields = new ArrayList<>();
        enter(open);
        try {
            while (!at(TokenKind.RBRACE) && !at(TokenKind.EOF)) {
                Name n = fieldName();
                boolean optional = match(TokenKind.QUESTION);
                expect(TokenKind.COLON, "':' and a type after field '" + n.text() + "'");
                TypeRef type = type();
                fields.add(new FieldDecl(n, optional, type, n.span().to(type.span())));
                match(TokenKind.COMMA);
            }
        } finally {
            depth--;
        }
        expect(TokenKind.RBRACE, "'}' to close the field list");
        return fields;
    }

    private Name fieldName() {
        Token t = peek();
        if (t.is(TokenKind.IDENT) || t.is(TokenKind.STRING)) {
            advance();
            return new Name(t.text(), t.span());
        }
        throw error(t, "expected a field name, found " + describe(t));
    }

    // ------------------------------------------------------------------ types

    private TypeRef type() {
        Token t = peek();
        TypeRef base;
        if (t.is(TokenKind.STRING)) {
            List<Expr.Literal> values = new ArrayList<>();
            values.add(stringLiteral(advance()));
            while (match(TokenKind.PIPE)) {
                values.add(stringLiteral(expect(TokenKind.STRING, "a string after '|' in an enum type")));
            }
            base = new TypeRef.Enum(values, t.span().to(prevSpan()));
        } else if (t.is(TokenKind.LBRACE)) {
            List<FieldDecl> fields = fieldList();
            base = new TypeRef.Shape(fields, t.span().to(prevSpan()));
        } else if (t.is(TokenKind.IDENT)) {
            advance();
            Name n = new Name(t.text(), t.span());
            List<TypeRef> args = new ArrayList<>();
            if (at(TokenKind.LT)) {
                Token lt = advance();
                enter(lt);
                try {
                    do {
                        args.add(type());
                    } while (match(TokenKind.COMMA));
                } finally {
                    depth--;
                }
                if (at(TokenKind.GE)) {
                    // `List<Int>= …`: the lexer saw '>='; it is '>' then '='
                    Token ge = peek();
                    tokens.set(pos, new Token(TokenKind.EQ, "=", new Span(ge.span().start() + 1, ge.span().end()), false));
                } else {
                    expect(TokenKind.GT, "'>' to close the type arguments of " + n.text());
                }
            }
            Expr min = null;
            Expr max = null;
            boolean ranged = false;
            if (at(TokenKind.LBRACKET) && !peek().lineStart() && !startsOptions()) {
                advance();
                ranged = true;
                if (!at(TokenKind.DOTDOT)) min = expr();
                expect(TokenKind.DOTDOT, "'..' in a bounds range such as [0..100]");
                if (!at(TokenKind.RBRACKET)) max = expr();
                expect(TokenKind.RBRACKET, "']' to close the bounds range");
            }
            base = new TypeRef.Named(n, args, min, max, ranged, t.span().to(prevSpan()));
        } else {
            throw error(t, "expected a type (Int, Float, Bool, String, Duration, Any, List<T>, Map<T>, a shape name, "
                    + "\"a\" | \"b\", or { field: Type }), found " + describe(t));
        }
        if (at(TokenKind.QUESTION)) {
            advance();
            return new TypeRef.Optional(base, base.span().to(prevSpan()));
        }
        return base;
    }

    // ------------------------------------------------------------------ statements

    private Block block() {
        Token open = expect(TokenKind.LBRACE, "'{'");
        List<Stmt> stmts = new ArrayList<>();
        enter(open);
        try {
            while (!at(TokenKind.RBRACE) && !at(TokenKind.EOF)) {
                int before = pos;
                try {
                    stmts.add(statement());
                    match(TokenKind.SEMI);
                } catch (Bail bail) {
                    if (bail.tooDeep) throw bail;
                    syncStatement(before);
                }
            }
        } finally {
            depth--;
        }
        Token close = expect(TokenKind.RBRACE, "'}' to close the block opened at line " + file.line(open.span().start()));
        return new Block(stmts, open.span().to(close.span()));
    }

    private Stmt statement() {
        Token t = peek();
        if (t.is(TokenKind.IDENT)) {
            switch (t.text()) {
                case "let" -> {
                    advance();
                    Name n = name("a name after 'let'");
                    expect(TokenKind.EQ, "'=' after 'let " + n.text() + "'");
                    Expr value = expr();
                    return new Stmt.Let(n, value, t.span().to(value.span()));
                }
                case "if" -> {
                    return ifStmt();
                }
                case "for" -> {
                    advance();
                    Name v = name("a loop variable after 'for'");
                    if (!peek().isWord("in")) throw error(peek(), "expected 'in' after 'for " + v.text() + "'");
                    advance();
                    Expr iterable = expr();
                    Options options = optionsOpt();
                    Block body = block();
                    return new Stmt.For(v, iterable, options, body, t.span().to(body.span()));
                }
                case "while" -> {
                    advance();
                    Expr cond = expr();
                    Options options = optionsOpt();
                    Block body = block();
                    return new Stmt.While(cond, options, body, t.span().to(body.span()));
                }
                case "return" -> {
                    advance();
                    Expr value = null;
                    if (!at(TokenKind.RBRACE) && !at(TokenKind.EOF) && !at(TokenKind.SEMI) && !peek().lineStart()) {
                        value = expr();
                    }
                    return new Stmt.Return(value, value == null ? t.span() : t.span().to(value.span()));
                }
                case "break" -> {
                    advance();
                    return new Stmt.Break(t.span());
                }
                case "continue" -> {
                    advance();
                    return new Stmt.Continue(t.span());
                }
                case "Fail" -> {
                    advance();
                    Expr reason = expr();
                    return new Stmt.Fail(reason, t.span().to(reason.span()));
                }
                case "Call" -> {
                    return callStmt();
                }
                case "Start", "Run" -> {
                    advance();
                    Name wf = name("a workflow name after '" + t.text() + "'");
                    Expr.MapLit args = at(TokenKind.LBRACE) ? mapLiteral() : null;
                    Options options = optionsOpt();
                    Expr binding = bindingOpt();
                    return new Stmt.Start(t.text().equals("Run"), wf, args, options, binding, t.span().to(prevSpan()));
                }
                case "Emit" -> {
                    advance();
                    QualifiedName ev = qualifiedName("an event name after 'Emit'");
                    Expr.MapLit payload = at(TokenKind.LBRACE) ? mapLiteral() : null;
                    Options options = optionsOpt();
                    return new Stmt.Emit(ev, payload, options, t.span().to(prevSpan()));
                }
                case "Sleep" -> {
                    advance();
                    Expr d = expr();
                    return new Stmt.Sleep(d, t.span().to(d.span()));
                }
                case "Cancel" -> {
                    advance();
                    Expr id = expr();
                    return new Stmt.Cancel(id, t.span().to(id.span()));
                }
                case "Await" -> {
                    advance();
                    QualifiedName ev = qualifiedName("an event name after 'Await'");
                    Options options = optionsOpt();
                    Expr binding = bindingOpt();
                    return new Stmt.Await(ev, options, binding, t.span().to(prevSpan()));
                }
                case "Saga" -> {
                    if (peekAt(1).is(TokenKind.LBRACE) || peekAt(1).is(TokenKind.LBRACKET)) return saga();
                }
                case "Lock" -> {
                    return lock();
                }
                case "Fork" -> {
                    return fork();
                }
                case "Join" -> {
                    advance();
                    expect(TokenKind.LPAREN, "'(' and the name another workflow shares its fork under, as in Join (\"offer:\" + rival) [timeout: 30s] -> offers");
                    Expr name = expr();
                    expect(TokenKind.RPAREN, "')' after the shared fork's name");
                    Options options = optionsOpt();
                    Expr binding = bindingOpt();
                    return new Stmt.JoinShared(name, options, binding, t.span().to(prevSpan()));
                }
                case "Ask" -> {
                    return ask();
                }
                case "Evaluate" -> {
                    advance();
                    Expr value = expr();
                    TypeRef expect = expectClause();
                    List<Stmt.Check> checks = checks();
                    Expr otherwise = otherwiseClause();
                    Expr binding = bindingOpt();
                    return new Stmt.Evaluate(value, expect, checks, otherwise, binding, t.span().to(prevSpan()));
                }
                default -> {
                    // an expression statement below
                }
            }
        }
        return exprStatement();
    }

    private Stmt.If ifStmt() {
        Token kw = advance();
        Expr cond = expr();
        Block then = block();
        Stmt.If elseIf = null;
        Block elseBlock = null;
        if (peek().isWord("else")) {
            advance();
            if (peek().isWord("if")) {
                enter(peek());
                try {
                    elseIf = ifStmt();
                } finally {
                    depth--;
                }
            } else {
                elseBlock = block();
            }
        }
        return new Stmt.If(cond, then, elseIf, elseBlock, kw.span().to(prevSpan()));
    }

    private Stmt.Call callStmt() {
        Token kw = advance();
        Name module = name("a module name after 'Call', as in Call GlobalAuthority.ApplyDamage { … }");
        Expr instance = null;
        if (at(TokenKind.LBRACKET)) {
            advance();
            instance = expr();
            expect(TokenKind.RBRACKET, "']' after the instance key");
        }
        expect(TokenKind.DOT, "'.' and an endpoint name after module " + module.text());
        Name endpoint = name("an endpoint name after '" + module.text() + ".'");
        Expr.MapLit args = at(TokenKind.LBRACE) ? mapLiteral() : null;
        Options options = optionsOpt();
        Expr binding = bindingOpt();
        return new Stmt.Call(module, instance, endpoint, args, options, binding, kw.span().to(prevSpan()));
    }

    private Stmt.Saga saga() {
        Token kw = advance();
        Options options = optionsOpt();
        Token open = expect(TokenKind.LBRACE, "'{' to open the saga");
        List<Stmt.Step> steps = new ArrayList<>();
        enter(open);
        try {
            while (!at(TokenKind.RBRACE) && !at(TokenKind.EOF)) {
                Token t = peek();
                boolean pivot;
                if (t.isWord("Step")) pivot = false;
                else if (t.isWord("Pivot")) pivot = true;
                else throw error(t, "expected 'Step Name { … }' or 'Pivot Name { … }' in a saga, found " + describe(t));
                advance();
                Name n = name("a step name");
                Options stepOptions = optionsOpt();
                Block action = block();
                Block comp = null;
                if (peek().isWord("Compensate")) {
                    Token c = advance();
                    if (pivot) {
                        sink.report(c.span(), Code.SYNTAX, "a Pivot step has no compensation: once passed, the saga only moves forward");
                    }
                    comp = block();
                }
                steps.add(new Stmt.Step(n, pivot, stepOptions, action, comp, t.span().to(prevSpan())));
            }
        } finally {
            depth--;
        }
        expect(TokenKind.RBRACE, "'}' to close the saga");
        Expr binding = bindingOpt();
        return new Stmt.Saga(options, steps, binding, kw.span().to(prevSpan()));
    }

    private Stmt.Lock lock() {
        Token kw = advance();
        expect(TokenKind.LPAREN, "'(' and the keys to lock, as in Lock (\"inv:\" + {a}) [lease: 5s] { … }");
        List<Expr> keys = new ArrayList<>();
        do {
            keys.add(expr());
        } while (match(TokenKind.COMMA));
        expect(TokenKind.RPAREN, "')' after the lock keys");
        Options options = optionsOpt();
        Expr binding = bindingOpt();
        Block body = block();
        return new Stmt.Lock(keys, options, binding, body, kw.span().to(body.span()));
    }

    private Stmt.Fork fork() {
        Token kw = advance();
        List<Stmt.Branch> branches = new ArrayList<>();
        Name eachVar = null;
        Expr eachOver = null;
        Block eachBody = null;
        Options options;
        if (peek().is(TokenKind.IDENT) && peekAt(1).isWord("in")) {
            eachVar = name("a variable");
            advance(); // in
            eachOver = expr();
            options = optionsOpt();
            eachBody = block();
        } else {
            options = optionsOpt();
            Token open = expect(TokenKind.LBRACE, "'{' with branches, or 'x in list', after 'Fork'");
            enter(open);
            try {
                while (!at(TokenKind.RBRACE) && !at(TokenKind.EOF)) {
                    Token b = peek();
                    if (!b.isWord("Branch")) throw error(b, "expected 'Branch [name] { … }' inside Fork, found " + describe(b));
                    advance();
                    Name bn = at(TokenKind.IDENT) ? name("a branch name") : null;
                    Block body = block();
                    branches.add(new Stmt.Branch(bn, body, b.span().to(body.span())));
                }
            } finally {
                depth--;
            }
            expect(TokenKind.RBRACE, "'}' to close the fork");
        }
        Token join = peek();
        if (!join.isWord("Join")) throw error(join, "expected 'Join all', 'Join any' or 'Join n' after the fork");
        advance();
        Stmt.JoinKind kind;
        Expr count = null;
        Token j = peek();
        if (j.isWord("all")) {
            advance();
            kind = Stmt.JoinKind.ALL;
        } else if (j.isWord("any")) {
            advance();
            kind = Stmt.JoinKind.ANY;
        } else if (j.is(TokenKind.INT) || j.is(TokenKind.LPAREN)) {
            kind = Stmt.JoinKind.COUNT;
            count = primary();
        } else {
            throw error(j, "expected 'all', 'any' or a count after 'Join', found " + describe(j));
        }
        Options joinOptions = optionsOpt();
        Expr binding = bindingOpt();
        return new Stmt.Fork(branches, eachVar, eachOver, eachBody, options, kind, count, joinOptions, binding,
                kw.span().to(prevSpan()));
    }

    private Stmt.Ask ask() {
        Token kw = advance();
        Name provider = name("the name of an AI provider after 'Ask'");
        Expr input = expr();
        TypeRef expect = expectClause();
        List<Stmt.Check> checks = checks();
        Options options = optionsOpt();
        Expr otherwise = otherwiseClause();
        Expr binding = bindingOpt();
        return new Stmt.Ask(provider, input, expect, checks, options, otherwise, binding, kw.span().to(prevSpan()));
    }

    private TypeRef expectClause() {
        if (!peek().isWord("expect")) throw error(peek(), "expected 'expect' and the shape of an acceptable answer");
        advance();
        return type();
    }

    private List<Stmt.Check> checks() {
        List<Stmt.Check> checks = new ArrayList<>();
        while (peek().isWord("check")) {
            Token c = advance();
            Name n = name("a check name after 'check'");
            expect(TokenKind.COLON, "':' after the check name");
            Expr cond = expr();
            checks.add(new Stmt.Check(n, cond, c.span().to(cond.span())));
        }
        return checks;
    }

    private Expr otherwiseClause() {
        if (!peek().isWord("otherwise")) {
            throw error(peek(), "expected 'otherwise' and a fallback value: an unchecked decision is never applied");
        }
        advance();
        return expr();
    }

    private Expr bindingOpt() {
        if (!match(TokenKind.ARROW)) return null;
        Token t = peek();
        Expr target = postfixChain();
        if (!isAssignable(target)) {
            sink.report(target.span(), Code.BAD_TARGET, "cannot bind a result to " + describe(t) + "; use a name or a $state path");
        }
        return target;
    }

    private Stmt exprStatement() {
        Token start = peek();
        if (start.is(TokenKind.IDENT) && !start.isWord("true") && !start.isWord("false") && !start.isWord("none")) {
            Token next = peekAt(1);
            boolean continues = next.is(TokenKind.EQ) || next.is(TokenKind.PLUS_EQ) || next.is(TokenKind.MINUS_EQ)
                    || next.is(TokenKind.STAR_EQ) || next.is(TokenKind.SLASH_EQ) || next.is(TokenKind.DOT)
                    || next.is(TokenKind.LBRACKET) && !next.lineStart() || next.is(TokenKind.LPAREN) && !next.lineStart();
            if (!continues) {
                String hint = keywordHint(start, STMT_WORDS);
                throw error(start, "expected a statement" + (hint.isEmpty() ? ", found " + describe(start) : hint));
            }
        }
        boolean startsExpression = switch (start.kind()) {
            case IDENT, VAR, INT, FLOAT, STRING, DURATION, LPAREN, LBRACE, LBRACKET, MINUS, BANG -> true;
            default -> false;
        };
        if (!startsExpression) {
            throw error(start, "expected a statement, found " + describe(start));
        }
        Expr e = expr();
        Token op = peek();
        Stmt.AssignOp aop = switch (op.kind()) {
            case EQ -> Stmt.AssignOp.SET;
            case PLUS_EQ -> Stmt.AssignOp.ADD;
            case MINUS_EQ -> Stmt.AssignOp.SUB;
            case STAR_EQ -> Stmt.AssignOp.MUL;
            case SLASH_EQ -> Stmt.AssignOp.DIV;
            default -> null;
        };
        if (aop == null) {
            if (!(e instanceof Expr.Call)) {
                sink.report(e.span(), Code.NO_EFFECT, "this expression does nothing; assign it or call a function");
            }
            return new Stmt.ExprStmt(e, e.span());
        }
        advance();
        if (!isAssignable(e)) {
            sink.report(e.span(), Code.BAD_TARGET, "cannot assign to this expression; assign to a name, a $state or a field of one");
        }
        Expr value = expr();
        Expr min = null;
        Expr max = null;
        while (peek().is(TokenKind.IDENT) && !peek().lineStart()
                && (peek().text().equals("min") || peek().text().equals("max"))) {
            Token w = advance();
            Expr bound = expr();
            if (w.text().equals("min")) {
                if (min != null) sink.report(w.span(), Code.SYNTAX, "'min' given twice");
                min = bound;
            } else {
                if (max != null) sink.report(w.span(), Code.SYNTAX, "'max' given twice");
                max = bound;
            }
        }
        return new Stmt.Assign(e, aop, value, min, max, e.span().to(prevSpan()));
    }

    private static boolean isAssignable(Expr e) {
        if (e instanceof Expr.Field f) return isAssignable(f.target());
        if (e instanceof Expr.Index i) return isAssignable(i.target());
        return e instanceof Expr.Var || e instanceof Expr.Ident || e instanceof Expr.ForeignVar;
    }

    // ------------------------------------------------------------------ options

    private Options optionsOpt() {
        if (!at(TokenKind.LBRACKET)) return Options.EMPTY;
        Token open = advance();
        List<Options.Option> entries = new ArrayList<>();
        enter(open);
        try {
            boolean first = true;
            while (!at(TokenKind.RBRACKET) && !at(TokenKind.EOF)) {
                Token t = peek();
                if (t.is(TokenKind.IDENT) && peekAt(1).is(TokenKind.COLON)) {
                    advance();
                    advance();
                    Expr value = expr();
                    entries.add(new Options.Option(new Name(t.text(), t.span()), value, t.span().to(value.span())));
                } else if (first) {
                    Expr value = expr();
                    entries.add(new Options.Option(null, value, value.span()));
                } else {
                    throw error(t, "expected 'name: value' in options, found " + describe(t));
                }
                first = false;
                if (!match(TokenKind.COMMA)) break;
            }
        } finally {
            depth--;
        }
        Token close = expect(TokenKind.RBRACKET, "']' to close the options");
        return new Options(entries, open.span().to(close.span()));
    }

    // ------------------------------------------------------------------ expressions

    public Expr expr() {
        return or();
    }

    private Expr or() {
        Expr left = and();
        int chained = 0;
        try {
            while (at(TokenKind.PIPEPIPE) || peek().isWord("or")) {
                enter(advance());
                chained++;
                Expr right = and();
                left = new Expr.Binary(Expr.BinaryOp.OR, left, right, left.span().to(right.span()));
            }
        } finally {
            depth -= chained;
        }
        return left;
    }

    private Expr and() {
        Expr left = not();
        int chained = 0;
        try {
            while (at(TokenKind.AMPAMP) || peek().isWord("and")) {
                enter(advance());
                chained++;
                Expr right = not();
                left = new Expr.Binary(Expr.BinaryOp.AND, left, right, left.span().to(right.span()));
            }
        } finally {
            depth -= chained;
        }
        return left;
    }

    private Expr not() {
        Token t = peek();
        if (t.is(TokenKind.BANG) || t.isWord("not")) {
            advance();
            enter(t);
            try {
                Expr operand = not();
                return new Expr.Unary(Expr.UnaryOp.NOT, operand, t.span().to(operand.span()));
            } finally {
                depth--;
            }
        }
        return comparison();
    }

    private Expr comparison() {
        Expr left = additive();
        Expr.BinaryOp op = comparisonOp(peek());
        if (op == null) return left;
        advance();
        Expr right = additive();
        Expr result = new Expr.Binary(op, left, right, left.span().to(right.span()));
        if (comparisonOp(peek()) != null) {
            throw error(peek(), "comparisons cannot be chained; combine them with 'and'");
        }
        return result;
    }

    private static Expr.BinaryOp comparisonOp(Token t) {
        return switch (t.kind()) {
            case EQEQ -> Expr.BinaryOp.EQ;
            case BANG_EQ -> Expr.BinaryOp.NE;
            case LT -> Expr.BinaryOp.LT;
            case LE -> Expr.BinaryOp.LE;
            case GT -> Expr.BinaryOp.GT;
            case GE -> Expr.BinaryOp.GE;
            default -> null;
        };
    }

    private Expr additive() {
        Expr left = multiplicative();
        int chained = 0;
        try {
            while (at(TokenKind.PLUS) || at(TokenKind.MINUS)) {
                Token op = advance();
                enter(op);
                chained++;
                Expr right = multiplicative();
                left = new Expr.Binary(op.is(TokenKind.PLUS) ? Expr.BinaryOp.ADD : Expr.BinaryOp.SUB, left, right,
                        left.span().to(right.span()));
            }
        } finally {
            depth -= chained;
        }
        return left;
    }

    private Expr multiplicative() {
        Expr left = unary();
        int chained = 0;
        try {
            while (at(TokenKind.STAR) || at(TokenKind.SLASH) || at(TokenKind.PERCENT)) {
                Token op = advance();
                enter(op);
                chained++;
                Expr right = unary();
                Expr.BinaryOp bop = op.is(TokenKind.STAR) ? Expr.BinaryOp.MUL
                        : op.is(TokenKind.SLASH) ? Expr.BinaryOp.DIV : Expr.BinaryOp.MOD;
                left = new Expr.Binary(bop, left, right, left.span().to(right.span()));
            }
        } finally {
            depth -= chained;
        }
        return left;
    }

    private Expr unary() {
        Token t = peek();
        if (t.is(TokenKind.MINUS)) {
            advance();
            enter(t);
            try {
                Expr operand = unary();
                return new Expr.Unary(Expr.UnaryOp.NEG, operand, t.span().to(operand.span()));
            } finally {
                depth--;
            }
        }
        return postfixChain();
    }

    private Expr postfixChain() {
        Expr e = primary();
        int chained = 0;
        try {
            while (true) {
                Token t = peek();
                if (t.is(TokenKind.DOT)) {
                    advance();
                    enter(t);
                    chained++;
                    Token n = peek();
                    if (n.is(TokenKind.VAR) && e instanceof Expr.Ident module) {
                        advance();
                        e = new Expr.ForeignVar(new Name(module.name(), module.span()),
                                new Name(n.text().substring(1), n.span()), e.span().to(n.span()));
                    } else {
                        Name field = fieldName();
                        e = new Expr.Field(e, field, e.span().to(field.span()));
                    }
                } else if (t.is(TokenKind.LBRACKET) && !t.lineStart() && !startsOptions()) {
                    advance();
                    enter(t);
                    chained++;
                    Expr index = expr();
                    Token close = expect(TokenKind.RBRACKET, "']' after the index");
                    e = new Expr.Index(e, index, e.span().to(close.span()));
                } else if (t.is(TokenKind.LPAREN) && !t.lineStart()) {
                    advance();
                    enter(t);
                    chained++;
                    List<Expr> args = new ArrayList<>();
                    while (!at(TokenKind.RPAREN) && !at(TokenKind.EOF)) {
                        args.add(expr());
                        if (!match(TokenKind.COMMA)) break;
                    }
                    Token close = expect(TokenKind.RPAREN, "')' after the arguments");
                    e = new Expr.Call(e, args, e.span().to(close.span()));
                } else {
                    return e;
                }
            }
        } finally {
            depth -= chained;
        }
    }

    private Expr primary() {
        Token t = peek();
        switch (t.kind()) {
            case INT -> {
                advance();
                return new Expr.Literal(Expr.Literal.Kind.INT, parseLong(t), t.text(), t.span());
            }
            case FLOAT -> {
                advance();
                return new Expr.Literal(Expr.Literal.Kind.FLOAT, parseDouble(t, t.text()), t.text(), t.span());
            }
            case DURATION -> {
                advance();
                return new Expr.Literal(Expr.Literal.Kind.DURATION, parseDuration(t), t.text(), t.span());
            }
            case STRING -> {
                advance();
                return stringLiteral(t);
            }
            case VAR -> {
                advance();
                return new Expr.Var(t.text().substring(1), t.span());
            }
            case IDENT -> {
                advance();
                return switch (t.text()) {
                    case "true" -> new Expr.Literal(Expr.Literal.Kind.BOOL, Boolean.TRUE, "true", t.span());
                    case "false" -> new Expr.Literal(Expr.Literal.Kind.BOOL, Boolean.FALSE, "false", t.span());
                    case "none" -> new Expr.Literal(Expr.Literal.Kind.NONE, null, "none", t.span());
                    default -> new Expr.Ident(t.text(), t.span());
                };
            }
            case LBRACE -> {
                if (isPayloadRef()) return payloadRef();
                return mapLiteral();
            }
            case LBRACKET -> {
                Token open = advance();
                List<Expr> items = new ArrayList<>();
                enter(open);
                try {
                    while (!at(TokenKind.RBRACKET) && !at(TokenKind.EOF)) {
                        items.add(expr());
                        if (!match(TokenKind.COMMA)) break;
                    }
                } finally {
                    depth--;
                }
                Token close = expect(TokenKind.RBRACKET, "']' to close the list");
                return new Expr.ListLit(items, open.span().to(close.span()));
            }
            case LPAREN -> {
                Token open = advance();
                enter(open);
                try {
                    Expr inner = expr();
                    expect(TokenKind.RPAREN, "')' to close the parenthesis opened at "
                            + file.line(open.span().start()) + ":" + file.column(open.span().start()));
                    return inner;
                } finally {
                    depth--;
                }
            }
            default -> throw missing(t, "expected an expression, found " + describe(t));
        }
    }

    /** {@code [name: …} after an expression starts options (as in {@code for x in xs [max: 10]}), never an index. */
    private boolean startsOptions() {
        return peekAt(1).is(TokenKind.IDENT) && peekAt(2).is(TokenKind.COLON);
    }

    private boolean isPayloadRef() {
        int i = 1;
        if (!peekAt(i).is(TokenKind.IDENT)) return false;
        i++;
        while (peekAt(i).is(TokenKind.DOT) && peekAt(i + 1).is(TokenKind.IDENT)) i += 2;
        return peekAt(i).is(TokenKind.RBRACE);
    }

    private Expr payloadRef() {
        Token open = advance();
        List<String> path = new ArrayList<>();
        path.add(advance().text());
        while (match(TokenKind.DOT)) path.add(advance().text());
        Token close = advance();
        return new Expr.Payload(path, open.span().to(close.span()));
    }

    private Expr.MapLit mapLiteral() {
        Token open = expect(TokenKind.LBRACE, "'{' to open a map");
        List<Expr.MapLit.Entry> entries = new ArrayList<>();
        enter(open);
        try {
            while (!at(TokenKind.RBRACE) && !at(TokenKind.EOF)) {
                Token k = peek();
                if (!k.is(TokenKind.IDENT) && !k.is(TokenKind.STRING)) {
                    throw error(k, "expected a key (a name or a string) in the map, found " + describe(k));
                }
                advance();
                expect(TokenKind.COLON, "':' after the key '" + k.text() + "'");
                Expr value = expr();
                entries.add(new Expr.MapLit.Entry(new Name(k.text(), k.span()), k.is(TokenKind.STRING), value,
                        k.span().to(value.span())));
                if (!match(TokenKind.COMMA)) {
                    if (!at(TokenKind.RBRACE)) throw error(peek(), "expected ',' or '}' after a map entry, found " + describe(peek()));
                    break;
                }
            }
        } finally {
            depth--;
        }
        Token close = expect(TokenKind.RBRACE, "'}' to close the map opened at line " + file.line(open.span().start()));
        return new Expr.MapLit(entries, open.span().to(close.span()));
    }

    private Expr.Literal stringLiteral(Token t) {
        return new Expr.Literal(Expr.Literal.Kind.STRING, t.text(), file.slice(t.span()), t.span());
    }

    // ------------------------------------------------------------------ literal values

    private long parseLong(Token t) {
        try {
            return Long.parseLong(t.text().replace("_", ""));
        } catch (NumberFormatException e) {
            sink.report(t.span(), Code.BAD_NUMBER, "integer '" + t.text() + "' does not fit in 64 bits");
            return 0;
        }
    }

    private double parseDouble(Token t, String text) {
        try {
            return Double.parseDouble(text.replace("_", ""));
        } catch (NumberFormatException e) {
            sink.report(t.span(), Code.BAD_NUMBER, "malformed number '" + text + "'");
            return 0;
        }
    }

    /** What an out-of-range duration literal reads as, once reported: checks that would only repeat the report skip it. */
    public static final Duration OUT_OF_RANGE = dev.baton.lang.Baton.MAX_DURATION.plusNanos(1);

    private Duration parseDuration(Token t) {
        String text = t.text();
        int unitStart = text.length();
        while (unitStart > 0 && Character.isLetter(text.charAt(unitStart - 1))) unitStart--;
        String unit = text.substring(unitStart);
        double amount = parseDouble(t, text.substring(0, unitStart));
        double nanosPer = switch (unit) {
            case "ms" -> 1e6;
            case "s" -> 1e9;
            case "m" -> 60e9;
            case "h" -> 3600e9;
            default -> 86400e9;
        };
        double nanos = amount * nanosPer;
        if (!(nanos <= dev.baton.lang.Baton.MAX_DURATION.toNanos())) {
            sink.report(t.span(), Code.BAD_NUMBER, "duration '" + text + "' is too long: a duration is at most "
                    + dev.baton.lang.Baton.MAX_DURATION.toDays() + "d (100 years)");
            return OUT_OF_RANGE;
        }
        return Duration.ofNanos(Math.round(nanos));
    }

    // ------------------------------------------------------------------ helpers

    private Name name(String what) {
        Token t = peek();
        if (!t.is(TokenKind.IDENT)) throw error(t, "expected " + what + ", found " + describe(t));
        advance();
        return new Name(t.text(), t.span());
    }

    private QualifiedName qualifiedName(String what) {
        List<Name> parts = new ArrayList<>();
        parts.add(name(what));
        while (at(TokenKind.DOT)) {
            advance();
            parts.add(name("a name after '.'"));
        }
        return new QualifiedName(parts, parts.get(0).span().to(parts.get(parts.size() - 1).span()));
    }

    private void enter(Token at) {
        if (++depth > MAX_DEPTH) {
            depth--;
            if (!tooDeepReported) {
                tooDeepReported = true;
                sink.report(at.span(), Code.TOO_DEEP, "nesting is too deep (the limit is " + MAX_DEPTH
                        + " levels of blocks, brackets and operator chains); split it into smaller pieces");
            }
            throw new Bail(true);
        }
    }

    private Token peek() {
        return tokens.get(pos);
    }

    private Token peekAt(int ahead) {
        return tokens.get(Math.min(pos + ahead, tokens.size() - 1));
    }

    private boolean at(TokenKind kind) {
        return peek().kind() == kind;
    }

    private Token advance() {
        Token t = tokens.get(pos);
        if (pos < tokens.size() - 1) pos++;
        return t;
    }

    private boolean match(TokenKind kind) {
        if (!at(kind)) return false;
        advance();
        return true;
    }

    private Span prevSpan() {
        return tokens.get(Math.max(0, pos - 1)).span();
    }

    private Token expect(TokenKind kind, String what) {
        if (at(kind)) return advance();
        throw missing(peek(), "expected " + what + ", found " + describe(peek()));
    }

    /**
     * Reports that something is missing before {@code found}. When {@code found} starts a new
     * line, the caret goes to the end of the previous line, where the missing part belongs.
     */
    private Bail missing(Token found, String message) {
        if (found.lineStart() && pos > 0) {
            int at = tokens.get(pos - 1).span().end();
            sink.report(new Span(at, at), Code.SYNTAX, message);
            return new Bail(false);
        }
        return error(found, message);
    }

    private Bail error(Token at, String message) {
        sink.report(at.span(), Code.SYNTAX, message);
        return new Bail(false);
    }

    private static String describe(Token t) {
        return switch (t.kind()) {
            case EOF -> "end of file";
            case IDENT -> "'" + t.text() + "'";
            case VAR -> "'" + t.text() + "'";
            case STRING -> "a string";
            case INT, FLOAT, DURATION -> "'" + t.text() + "'";
            default -> t.kind().describe();
        };
    }

    /** " (did you mean 'Call'?)" when a word is a keyword spelled in the wrong case or slightly off. */
    private static String keywordHint(Token t, Set<String> words) {
        if (!t.is(TokenKind.IDENT)) return "";
        String best = Suggest.keyword(t.text(), words);
        return best == null || best.equals(t.text()) ? "" : "; did you mean '" + best + "'?";
    }

    // ------------------------------------------------------------------ recovery

    /** Skips to the next statement start or the '}' closing the current block. Always advances. */
    private void syncStatement(int before) {
        skipTo(before, i -> tokens.get(i).lineStart() && switch (tokens.get(i).kind()) {
            case VAR, IDENT, INT, FLOAT, STRING, DURATION, LPAREN, MINUS, BANG -> true;
            default -> false;
        });
    }

    private void syncMember(int before) {
        skipTo(before, i -> {
            Token t = tokens.get(i);
            return t.lineStart() && (t.is(TokenKind.VAR) || t.is(TokenKind.IDENT)
                    && (MEMBER_WORDS.contains(t.text()) || DECL_WORDS.contains(t.text())
                    || i + 1 < tokens.size() && (tokens.get(i + 1).is(TokenKind.SLASH)
                    || tokens.get(i + 1).is(TokenKind.LPAREN))));
        });
    }

    /** Skips to the next top-level declaration keyword at the start of a line. */
    private void syncDecl(int before) {
        int braces = braceBalance(before);
        if (pos == before) braces += braceDelta(advance());
        while (!at(TokenKind.EOF)) {
            Token t = peek();
            if (t.lineStart() && (t.is(TokenKind.IDENT) && DECL_WORDS.contains(t.text())
                    || t.is(TokenKind.VAR) && braces <= 0)) {
                return;
            }
            braces += braceDelta(advance());
        }
    }

    /**
     * Skips tokens until {@code stop} holds outside any brace opened since {@code before}, or
     * until the '}' that closes the enclosing block (not consumed). Always advances.
     */
    private void skipTo(int before, java.util.function.IntPredicate stop) {
        int braces = braceBalance(before);
        if (pos == before) {
            if (at(TokenKind.RBRACE) && braces == 0) return;
            braces += braceDelta(advance());
        }
        while (!at(TokenKind.EOF)) {
            Token t = peek();
            if (t.is(TokenKind.RBRACE) && braces == 0) return;
            if (braces == 0 && stop.test(pos)) return;
            braces += braceDelta(advance());
        }
    }

    private int braceBalance(int from) {
        int braces = 0;
        for (int i = from; i < pos; i++) braces += braceDelta(tokens.get(i));
        return Math.max(braces, 0);
    }

    private static int braceDelta(Token t) {
        return t.is(TokenKind.LBRACE) ? 1 : t.is(TokenKind.RBRACE) ? -1 : 0;
    }

    static boolean isKeyword(String word) {
        return ALL_KEYWORDS.contains(word);
    }
}
