/**
 * The syntax tree: immutable records under sealed interfaces ({@link dev.baton.lang.ast.Decl},
 * {@link dev.baton.lang.ast.Member}, {@link dev.baton.lang.ast.Stmt}, {@link dev.baton.lang.ast.Expr},
 * {@link dev.baton.lang.ast.TypeRef}), each with its source {@link dev.baton.lang.Span}.
 *
 * <p>Passes never mutate the tree; what they learn goes into side tables (see the checker).
 * {@link dev.baton.lang.ast.AstDump} prints a tree without positions for golden files.
 */
package dev.baton.lang.ast;
