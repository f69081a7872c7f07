// The per-example content checks of the lint (src/data/lint/): empty answers, refusals, language
// mismatches, literal special tokens, truncation, personal data and loops, each planted in
// English and Vietnamese rows, next to clean look-alikes that must not be flagged.
import { describe, expect, it } from 'vitest';
import { findPii, lintExamples, luhnValid, type LintOptions } from '../../src/data/lint';
import type { Example, Message } from '../../src/data/types';

const chat = (...turns: [Message['role'], string][]): Example => ({
  line: 1,
  format: 'messages',
  messages: turns.map(([role, content]) => ({ role, content })),
});
const qa = (q: string, a: string) => chat(['user', q], ['assistant', a]);

/** The flags of one example (duplicate checks off: each case stands alone). */
function flagsOf(ex: Example, options: LintOptions = {}) {
  const { flagged } = lintExamples([ex], options);
  return flagged[0]?.flags ?? [];
}
const kindsOf = (ex: Example, options: LintOptions = {}) => flagsOf(ex, options).map((f) => f.kind);
const messageOf = (ex: Example, options: LintOptions = {}) =>
  flagsOf(ex, options)
    .map((f) => f.message)
    .join(' | ');

describe('empty_answer', () => {
  it('flags empty and whitespace-only assistant turns, naming the turn', () => {
    expect(messageOf(qa('What is 2 + 2?', ''))).toBe('the assistant turn (messages[1]) is empty');
    const vi = chat(
      ['user', 'Xin chào'],
      ['assistant', 'Chào bạn!'],
      ['user', 'Bạn khỏe không?'],
      ['assistant', ' \n\t'],
    );
    expect(messageOf(vi)).toBe('the assistant turn (messages[3]) is only whitespace');
    expect(kindsOf(qa('', 'An answer to an empty question.'))).toEqual([]);
  });
});

describe('refusal', () => {
  const refusals = [
    'As an AI language model, I cannot write a poem about that topic.',
    "I'm sorry, but I can't help with that.",
    'I am not able to provide medical advice. Please see a doctor.',
    'I must respectfully decline this request.',
    'Xin lỗi, nhưng tôi không thể giúp bạn việc này.',
    'Là một mô hình ngôn ngữ AI, tôi không có cảm xúc cá nhân.',
    'Tôi không thể cung cấp thông tin đó.',
    "En tant qu'IA, je ne peux pas avoir d'opinion.",
    'Es tut mir leid, aber ich kann dabei nicht helfen.',
    'Lo siento, pero no puedo ayudarte con eso.',
    '作为一个AI语言模型，我无法提供这类信息。',
    '申し訳ありませんが、そのご質問にはお答えできません。',
  ];
  // the question is English: the language check is off here, it has its own tests
  const noLanguage: LintOptions = { skip: ['language_mismatch'] };
  it.each(refusals)('flags %s', (answer) => {
    expect(kindsOf(qa('Can you do this for me, please?', answer), noLanguage)).toEqual(['refusal']);
  });

  const answers = [
    "I'm sorry to hear that! Here is how to fix a slipping bike chain: tighten the rear axle.",
    'Sure, I can help with that. Start by preheating the oven to 180 degrees.',
    'As an AI researcher, you should read the attention paper first.',
    'You cannot divide by zero, so the function raises an exception there.',
    "I can't stress this enough: back up your data before upgrading.",
    "I can't help but admire this question! The answer is 12.",
    'Nguyễn Du là ai? Ông là đại thi hào của Việt Nam, tác giả Truyện Kiều.',
    'Xin lỗi vì sự nhầm lẫn! Đáp án đúng là 42.',
    "I'm sorry, but I can't find an order under that e-mail. Could you check the order number?",
    'Xin lỗi, nhưng tôi không thể tìm thấy đơn hàng của bạn. Bạn kiểm tra lại mã đơn nhé?',
    'ChatGPT là một mô hình ngôn ngữ lớn do OpenAI phát triển.',
  ];
  it.each(answers)('does not flag the answer %s', (answer) => {
    expect(kindsOf(qa('Can you do this for me, please?', answer), noLanguage)).toEqual([]);
  });

  it('quotes the phrase in the message', () => {
    expect(messageOf(qa('Write a story', "I'm sorry, but I can't do that."))).toBe(
      'the assistant turn (messages[1]) refuses or talks about being an AI: "I\'m sorry, but I can\'t do that"',
    );
  });
});

describe('language_mismatch', () => {
  it('flags an answer in another language than the question, both ways', () => {
    const viToEn = qa(
      'Làm thế nào để đảo ngược một danh sách trong Python?',
      'You can call the reverse method on the list, or use slicing.',
    );
    expect(messageOf(viToEn)).toBe(
      'the assistant turn (messages[1]) is in English, the user turn (messages[0]) it answers is in Vietnamese',
    );
    const enToVi = qa(
      'How do I reverse a list in Python?',
      'Bạn có thể gọi phương thức reverse của danh sách hoặc dùng cắt lát.',
    );
    expect(kindsOf(enToVi)).toEqual(['language_mismatch']);
    // the answer to the second question is the one in the wrong language
    const multi = chat(
      ['system', 'You are a helpful assistant.'],
      ['user', 'What is the capital of Australia?'],
      ['assistant', 'The capital of Australia is Canberra.'],
      ['user', 'Thủ đô của Việt Nam là thành phố nào?'],
      ['assistant', 'The capital of Vietnam is Hanoi, in the north.'],
    );
    expect(messageOf(multi)).toMatch(
      /^the assistant turn \(messages\[4\]\) is in English, the user turn \(messages\[3\]\)/,
    );
  });

  it('does not flag translations, short turns, the same language, or code', () => {
    const clean = [
      qa(
        'Translate to French: The weather is very nice today, my friend.',
        "Il fait très beau aujourd'hui, mon ami.",
      ),
      qa(
        'Dịch sang tiếng Anh: Hôm nay trời rất đẹp, bạn của tôi.',
        'The weather is very nice today, my friend.',
      ),
      qa('Xin chào!', 'Hello there!'), // under 20 letters
      qa(
        'Thủ đô của Úc là thành phố nào vậy bạn?',
        'Thủ đô của Úc là Canberra, không phải Sydney.',
      ),
      qa(
        'How do I reverse a list in Python?',
        'Dùng:\n```python\nxs = [1, 2, 3]\nxs.reverse()\nprint(xs)  # prints the reversed list\n```',
      ),
      chat(
        ['system', 'Always answer in English, whatever the language of the question.'],
        ['user', 'Làm thế nào để đảo ngược một danh sách trong Python?'],
        ['assistant', 'You can call the reverse method on the list, or use slicing.'],
      ),
    ];
    for (const ex of clean) expect(kindsOf(ex)).toEqual([]);
  });
});

describe('special_tokens', () => {
  const tokens = ['<|im_start|>', '<|im_end|>', '<|endoftext|>', '</s>', '<s>'];
  it('flags content holding the literal text of a special token', () => {
    const ex = qa('Why does my output end with <|im_end|> here?', 'Because the template adds it.');
    expect(messageOf(ex, { specialTokens: tokens })).toBe(
      'the user turn (messages[0]) contains "<|im_end|>", which the tokenizer reads as a control token',
    );
    const vi = qa('Giải thích thẻ này', 'Thẻ </s> đánh dấu kết thúc chuỗi.');
    expect(kindsOf(vi, { specialTokens: tokens })).toEqual(['special_tokens']);
    const text: Example = {
      line: 1,
      format: 'text',
      messages: [],
      text: 'Once upon a time<|endoftext|>',
    };
    expect(messageOf(text, { specialTokens: tokens })).toMatch(
      /^the text contains "<\|endoftext\|>"/,
    );
  });

  it('does not flag other spellings, nor run without the tokenizer', () => {
    const ex = qa(
      'The tags <im_end>, <| im_end |> and < /s> are not tokens.',
      'Right, <|im_end is not one either.',
    );
    expect(kindsOf(ex, { specialTokens: tokens })).toEqual([]);
    const withToken = qa('What is <|im_end|>?', 'A control token.');
    expect(kindsOf(withToken)).toEqual([]);
    expect(lintExamples([withToken]).summary.by_kind.special_tokens).toBeUndefined();
  });
});

describe('truncated', () => {
  it('flags examples that lose trained tokens, saying how many', () => {
    const a = { ...qa('Question?', 'A long answer.'), line: 3 };
    const b = { ...qa('Question two?', 'Another answer.'), line: 4 };
    const tokens = {
      maxLength: 2048,
      examples: [
        { line: 3, truncatedTrainedTokens: 37, fullLength: 2100 },
        { line: 4, truncatedTrainedTokens: 0, fullLength: 2049 },
      ],
    };
    const { flagged, summary } = lintExamples([a, b], { tokens });
    expect(flagged).toEqual([
      {
        line: 3,
        flags: [
          {
            kind: 'truncated',
            message: 'truncation to 2048 tokens loses 37 trained tokens (the example has 2100)',
          },
        ],
      },
    ]);
    expect(summary.by_kind.truncated).toBe(1);
    expect(lintExamples([a], {}).summary.by_kind.truncated).toBeUndefined();
  });
});

describe('pii', () => {
  const planted: [string, RegExp][] = [
    ['Write to john.doe@example.com for details.', /^e-mail address in .*: jo…@example\.com$/],
    ['Gọi cho tôi theo số +84 912 345 678 nhé.', /phone number/],
    ['Số của tôi là 0912 345 678.', /phone number/],
    ['Call (555) 123-4567 after five.', /phone number/],
    ['The server is at 203.0.113.42 today.', /IPv4 address/],
    ['My card is 4111 1111 1111 1111, expiry 12/27.', /card number/],
    ['Số thẻ: 5500-0000-0000-0004', /card number/],
    ['export OPENAI_API_KEY=sk-proj-abcdefghijklmnopqrstuvwxyz123456', /OpenAI-style API key/],
    ['token = "hf_abcdefghijklmnopqrstuvwxyzABCDEFGH"', /Hugging Face token/],
    ['git clone https://ghp_abcdefghijklmnopqrstuvwxyzABCDEFGHIJ@github.com/x/y', /GitHub token/],
    ['aws_access_key_id = AKIAIOSFODNN7EXAMPLE', /AWS access key id/],
    ['-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA...', /private key/],
  ];
  it.each(planted)('flags %s', (content, message) => {
    expect(messageOf(qa('Here it is:', content))).toMatch(message);
  });

  const clean = [
    'The test number 4111 1111 1111 1112 fails the Luhn check.',
    'Version 1.2.3 was released on 2024-01-15.',
    'The population grew to 100 000 000 people.',
    'Run the server on 127.0.0.1 port 8080.',
    'Dân số Việt Nam khoảng 100 triệu người vào năm 2023.',
    'Use the @decorator syntax, e.g. @app.route("/").',
    'Pi is 3.14159265358979 to fourteen decimals.',
  ];
  it.each(clean)('does not flag %s', (content) => {
    expect(findPii(content)).toBeNull();
  });

  it('checks card numbers with Luhn', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(luhnValid('79927398713')).toBe(true);
  });
});

describe('repetition', () => {
  it('flags an answer that repeats a sentence or a 4-word run 3 times', () => {
    const loop = qa(
      'What is the answer?',
      'The answer is 42. The answer is 42. The answer is 42. The answer is 42.',
    );
    expect(messageOf(loop)).toBe(
      'the assistant turn (messages[1]) loops: the sentence "the answer is 42." occurs 4 times',
    );
    const run = qa(
      'Any tips?',
      'First you can try this and see, then you can try this again later, and if that fails you can try this once more.',
    );
    expect(messageOf(run)).toMatch(/the 4-word run "you can try this" occurs 3 times/);
    const vi = qa('Bạn nghĩ sao?', 'Tôi nghĩ là được. Tôi nghĩ là được. Tôi nghĩ là được.');
    expect(kindsOf(vi)).toEqual(['repetition']);
    const zh = qa('你觉得呢？', '我觉得这样很好。我觉得这样很好。我觉得这样很好。');
    expect(kindsOf(zh)).toEqual(['repetition']);
  });

  it('does not flag a long answer that repeats no sentence, nor repeated code', () => {
    const long =
      'Sourdough starts with a culture of wild yeast and lactic acid bacteria. Feed it equal ' +
      'weights of flour and water once a day until it doubles within six hours. Mix the dough ' +
      'from flour, water, salt and a spoonful of the active starter, then let it rest for an hour ' +
      'before the first fold. Over the next three hours, stretch and fold the dough every thirty ' +
      'minutes so the gluten develops without heavy kneading. Shape a tight ball, place it in a ' +
      'floured basket and leave it in the fridge overnight, which deepens the flavour and makes ' +
      'scoring easier. Bake it in a covered pot at a high temperature for twenty minutes, then ' +
      'uncover it so the crust can brown. Let the loaf cool for at least an hour before cutting, ' +
      'because the crumb is still setting while it is warm.';
    expect(kindsOf(qa('How do I bake sourdough bread at home?', long))).toEqual([]);
    const code = qa(
      'Print three lines',
      'Here you go:\n```python\nprint("hello world again")\nprint("hello world again")\nprint("hello world again")\n```',
    );
    expect(kindsOf(code)).toEqual([]);
  });
});
