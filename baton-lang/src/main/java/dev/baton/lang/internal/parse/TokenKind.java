package dev.baton.lang.internal.parse;

/** Token kinds. Keywords are lexed as identifiers and recognised by the parser in context. */
public enum TokenKind {
    IDENT("name"),
    VAR("state variable"),
    INT("integer"),
    FLOAT("number"),
    DURATION("duration"),
    STRING("string"),
    LPAREN("'('"), RPAREN("')'"), LBRACE("'{'"), RBRACE("'}'"), LBRACKET("'['"), RBRACKET("']'"),
    COMMA("','"), DOT("'.'"), DOTDOT("'..'"), COLON("':'"), SEMI("';'"), ARROW("'->'"), QUESTION("'?'"), PIPE("'|'"),
    PLUS("'+'"), MINUS("'-'"), STAR("'*'"), SLASH("'/'"), PERCENT("'%'"),
    EQ("'='"), PLUS_EQ("'+='"), MINUS_EQ("'-='"), STAR_EQ("'*='"), SLASH_EQ("'/='"),
    EQEQ("'=='"), BANG_EQ("'!='"), LT("'<'"), LE("'<='"), GT("'>'"), GE("'>='"),
    AMPAMP("'&&'"), PIPEPIPE("'||'"), BANG("'!'"),
    ERROR("invalid token"),
    EOF("end of file");

    private final String describe;

    TokenKind(String describe) {
        this.describe = describe;
    }

    public String describe() {
        return describe;
    }
}
