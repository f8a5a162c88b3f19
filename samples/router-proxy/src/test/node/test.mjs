// The official OpenAI client for Node.js (the openai package, pinned in package.json)
// against a running router proxy. OpenAiNodeClientIT starts the proxy on a free port and runs
// this script with:
//   PROXY_BASE_URL  the proxy's OpenAI base URL, e.g. http://127.0.0.1:8080/v1
//   PROXY_API_KEY   one of its client keys (router.proxy.keys)
// Exits with 0 when every check passes; prints one line per check.
import assert from 'node:assert/strict';
import OpenAI from 'openai';

const baseURL = process.env.PROXY_BASE_URL;
const apiKey = process.env.PROXY_API_KEY;
if (!baseURL || !apiKey) {
  console.error('Set PROXY_BASE_URL and PROXY_API_KEY');
  process.exit(2);
}

// no retries: a refusal must show as it is
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 30_000 });
const checks = [];
const check = (name, run) => checks.push({ name, run });

check('models.list names every model group', async () => {
  const ids = [];
  for await (const model of client.models.list()) {
    assert.equal(model.object, 'model');
    ids.push(model.id);
  }
  for (const expected of ['gpt-4o', 'gpt-4o-mini', 'text-embedding-3-small']) {
    assert.ok(ids.includes(expected), `${expected} in ${ids}`);
  }
});

check('chat.completions.create answers with a chat.completion and its usage', async () => {
  const completion = await client.chat.completions.create({
    model: 'gpt-4o',
    messages: [
      { role: 'system', content: 'Answer in one sentence.' },
      { role: 'user', content: 'Why spread calls over deployments?' },
    ],
    max_tokens: 64,
    temperature: 0.2,
  });
  assert.equal(completion.object, 'chat.completion');
  assert.equal(completion.model, 'gpt-4o');
  assert.match(completion.id, /\S/);
  assert.equal(completion.choices.length, 1);
  const [choice] = completion.choices;
  assert.equal(choice.message.role, 'assistant');
  assert.ok(choice.message.content.length > 0, 'an answer');
  assert.ok(['stop', 'length'].includes(choice.finish_reason), choice.finish_reason);
  assert.ok(completion.usage.prompt_tokens > 0);
  assert.ok(completion.usage.completion_tokens > 0);
  assert.equal(completion.usage.total_tokens, completion.usage.prompt_tokens + completion.usage.completion_tokens);
});

check('a stream with stream_options.include_usage ends with a usage chunk', async () => {
  const stream = await client.chat.completions.create({
    model: 'gpt-4o',
    messages: [{ role: 'user', content: 'Stream me an answer.' }],
    stream: true,
    stream_options: { include_usage: true },
  });
  const chunks = [];
  for await (const chunk of stream) {
    chunks.push(chunk);
  }
  assert.ok(chunks.length >= 2, `${chunks.length} chunks`);
  const last = chunks.at(-1);
  assert.deepEqual(last.choices, [], 'the usage chunk has no choices');
  assert.ok(last.usage.prompt_tokens > 0 && last.usage.completion_tokens > 0, JSON.stringify(last.usage));
  const content = chunks.flatMap((chunk) => chunk.choices).map((choice) => choice.delta.content ?? '').join('');
  assert.ok(content.length > 0, 'streamed text');
  assert.equal(chunks[0].choices[0].delta.role, 'assistant');
  assert.ok(chunks.every((chunk) => chunk.object === 'chat.completion.chunk' && chunk.model === 'gpt-4o'));
  assert.ok(chunks.some((chunk) => chunk.choices[0]?.finish_reason), 'a finish reason');
  assert.ok(chunks.slice(0, -1).every((chunk) => chunk.usage === null), 'usage only on the last chunk');
});

check('a stream without include_usage has no usage chunk', async () => {
  const stream = await client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Stream me another answer.' }],
    stream: true,
  });
  let text = '';
  for await (const chunk of stream) {
    assert.ok(chunk.choices.length > 0, 'no usage chunk');
    assert.equal(chunk.usage, undefined);
    text += chunk.choices[0].delta.content ?? '';
  }
  assert.ok(text.length > 0);
});

check('embeddings.create returns one vector per input (base64 on the wire, as the client asks)', async () => {
  const response = await client.embeddings.create({
    model: 'text-embedding-3-small',
    input: ['routing', 'rate limits'],
  });
  assert.equal(response.object, 'list');
  assert.equal(response.model, 'text-embedding-3-small');
  assert.equal(response.data.length, 2);
  response.data.forEach((embedding, index) => {
    assert.equal(embedding.index, index);
    assert.ok(Array.isArray(embedding.embedding) && embedding.embedding.length > 0);
    assert.ok(embedding.embedding.every(Number.isFinite));
  });
  assert.ok(response.usage.prompt_tokens > 0);
});

check('embeddings.create with encoding_format float', async () => {
  const response = await client.embeddings.create({
    model: 'text-embedding-3-small',
    input: 'routing',
    encoding_format: 'float',
  });
  assert.equal(response.data.length, 1);
  assert.ok(response.data[0].embedding.every(Number.isFinite));
});

check('a wrong key is refused with 401 (AuthenticationError)', async () => {
  const stranger = new OpenAI({ baseURL, apiKey: 'not-a-client-key', maxRetries: 0 });
  await assert.rejects(
    stranger.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hello' }] }),
    (error) => {
      assert.ok(error instanceof OpenAI.AuthenticationError, String(error));
      assert.equal(error.status, 401);
      assert.equal(error.code, 'invalid_api_key');
      assert.ok(!JSON.stringify(error.error).includes('not-a-client-key'), 'the key is not echoed');
      return true;
    });
});

check('an unknown model is 404 (NotFoundError)', async () => {
  await assert.rejects(
    client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'Hello' }] }),
    (error) => {
      assert.ok(error instanceof OpenAI.NotFoundError, String(error));
      assert.equal(error.status, 404);
      assert.equal(error.code, 'model_not_found');
      return true;
    });
  await assert.rejects(
    client.embeddings.create({ model: 'no-such-model', input: 'x' }),
    (error) => error instanceof OpenAI.NotFoundError);
});

check('a malformed request is 400 (BadRequestError)', async () => {
  await assert.rejects(
    client.chat.completions.create({ model: 'gpt-4o', messages: 'not an array' }),
    (error) => {
      assert.ok(error instanceof OpenAI.BadRequestError, String(error));
      assert.equal(error.status, 400);
      assert.equal(error.param, 'messages');
      return true;
    });
});

let failed = 0;
for (const { name, run } of checks) {
  try {
    await run();
    console.log(`ok - ${name}`);
  }
  catch (error) {
    failed++;
    console.log(`FAILED - ${name}\n${error?.stack ?? error}`);
  }
}
console.log(`node client checks: ${checks.length - failed} of ${checks.length} passed`);
process.exitCode = failed ? 1 : 0;
