/** The SQL layer's public surface: tokenizer, parser and AST types. */
export { Tokenizer, tokenize, isIdChar } from './tokenizer.js';
export type { Token, TokenKind } from './tokenizer.js';
export { Parser, parseStatements, parseStatementsWithText, parseStatement, parseExpression } from './parser.js';
export type { ParsedStatement } from './parser.js';
export { KEYWORDS, FALLBACK_KEYWORDS, JOIN_KEYWORDS, isKeyword, isFallbackKeyword } from './keywords.js';
export { deepFreeze } from './ast.js';
export type * from './ast.js';
