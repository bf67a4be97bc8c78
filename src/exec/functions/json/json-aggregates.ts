/**
 * json_group_array(x) and json_group_object(name, value), and their jsonb_ twins
 * (https://www.sqlite.org/json1.html#jgrouparray): x's of the group in order, NULL as null;
 * members in order, duplicate names kept, a NULL name skipping its row.
 */
import { valueToText } from '../../expr/value-ops.js';
import type { Value } from '../../value.js';
import type { JsonMember, JsonNode } from './json-node.js';
import { jsonArgOf, type JsonArgKind } from './json-call.js';
import { escapeJsonString, renderJson } from './json-text.js';
import { nodeOfValue } from './json-value.js';
import { encodeJsonb } from './jsonb-encode.js';

export interface JsonAggregate {
  step(args: Value[]): void;
  final(): Value;
}

export function createJsonAggregate(name: string, kinds: readonly JsonArgKind[] | undefined): JsonAggregate | undefined {
  // jsonb_group_array / jsonb_group_object: the same document, as JSONB.
  const finish = name.startsWith('jsonb_') ? encodeJsonb : renderJson;
  if (name === 'json_group_array' || name === 'jsonb_group_array') {
    const items: JsonNode[] = [];
    return {
      step: ([x = null]) => void items.push(nodeOfValue(jsonArgOf(x, kinds?.[0]))),
      final: () => finish({ kind: 'array', items }),
    };
  }
  if (name === 'json_group_object' || name === 'jsonb_group_object') {
    const members: JsonMember[] = [];
    return {
      step: ([k = null, v = null]) => {
        const label = k instanceof Uint8Array ? new TextDecoder().decode(k) : valueToText(k);
        if (label === null) return;
        members.push({ key: { kind: 'text', raw: escapeJsonString(label) }, value: nodeOfValue(jsonArgOf(v, kinds?.[1])) });
      },
      final: () => finish({ kind: 'object', members }),
    };
  }
  return undefined;
}
