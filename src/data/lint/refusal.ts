// Refusals and "as an AI" talk in assistant turns: the answers an SFT set should not teach. Two
// families of phrases, in English, Vietnamese, French, German, Spanish, Chinese and Japanese:
//  - talk about being an AI ("As an AI language model", "Là một mô hình ngôn ngữ", "作为一个AI"),
//    searched in the whole turn;
//  - refusing ("I'm sorry, but I can't help", "I am not able to provide", "Tôi không thể giúp"),
//    searched in the opening of the turn only, where a refusal stands: an answer that has
//    answered and then says "I can't give exact figures for 2025" further down is an answer.
// A polite answer ("I'm sorry to hear that! Here is how...") matches neither.

/** Characters from the start of a turn in which a refusal phrase counts. */
const kOpening = 300;

/**
 * One regex per set of flags, the patterns of each set joined by "|": one scan of the text per
 * set instead of one per pattern (the lint reads every assistant turn of 100k-row datasets).
 */
function combine(patterns: RegExp[]): RegExp[] {
  const byFlags = new Map<string, string[]>();
  for (const p of patterns)
    byFlags.set(p.flags, [...(byFlags.get(p.flags) ?? []), `(?:${p.source})`]);
  return [...byFlags].map(([flags, sources]) => new RegExp(sources.join('|'), flags));
}

// A phrase about being an AI must be followed by what makes it self-talk (a comma, "I", "developed
// by"): "as an AI researcher" or "ChatGPT là một AI" is an answer, "As an AI, I cannot" is not.
const kAiTalk = combine([
  // English
  /\bas an? (?:ai|a\.i\.|artificial intelligence|(?:large )?language model|ai (?:language )?model|ai assistant|llm)(?:,| I\b| developed\b| created\b| trained\b| made\b)/i,
  /\bI(?:'m| am) (?:just |only |merely )?an? (?:ai|artificial intelligence|(?:large )?language model|ai (?:language )?model|ai assistant)(?:[,.!;]| and\b| so\b| developed\b| created\b| trained\b| made\b| without\b| with no\b| that\b|$)/im,
  /\bI (?:do not|don't) have (?:personal )?(?:opinions|feelings|emotions|beliefs|a body|consciousness)\b/i,
  // Vietnamese ("ai" alone means "who": only the upper-case AI counts)
  /(?:^|[.!?]\s+)(?:Là|Với tư cách là) (?:một )?(?:AI|trí tuệ nhân tạo|mô hình ngôn ngữ|trợ lý AI)/mu,
  /[Tt]ôi (?:chỉ )?là (?:một )?(?:AI|trí tuệ nhân tạo|mô hình ngôn ngữ|trợ lý ảo)(?![\p{L}])/u,
  // French
  /\ben tant qu[e'’] ?(?:ia|intelligence artificielle|modèle de langage|assistant (?:virtuel|ia))(?:,| je\b)/iu,
  /\bje (?:ne )?suis (?:qu[e'’] ?)?une? (?:ia|intelligence artificielle|modèle de langage)(?:[,.!;]| et\b| sans\b)/iu,
  // German
  /\bals (?:eine? )?(?:ki|künstliche intelligenz|(?:ki-)?sprachmodell|ki-modell|ki-assistent)(?:,|\s+\p{L}+\s+ich\b)/iu,
  /\bich bin (?:nur )?(?:eine? )?(?:ki|künstliche intelligenz|(?:ki-)?sprachmodell|ki-modell)(?:[,.!;]| und\b| ohne\b)/iu,
  // Spanish
  /\bcomo (?:una? )?(?:ia|inteligencia artificial|modelo de lenguaje|asistente virtual)(?:,| no\b| yo\b)/iu,
  /\bsoy (?:solo )?(?:una? )?(?:ia|inteligencia artificial|modelo de lenguaje)(?:[,.!;]| y\b| sin\b)/iu,
  // Chinese, Japanese
  /作为(?:一个|一名)?(?:AI|人工智能|语言模型|AI助手|人工智能助手|大语言模型)(?!的)/iu,
  /我(?:只)?是(?:一个)?(?:AI|人工智能|语言模型)(?!的)/iu,
  /(?:AI|人工知能|言語モデル|AIアシスタント)(?:として、|ですので|なので|である私)/iu,
  /私は(?:AI|人工知能|言語モデル|AIアシスタント)/u,
]);

// A refusal names what it will not do ("help", "provide", "giúp"): "I'm sorry, but I can't find
// your order" is a support answer, not a refusal, so "sorry, but I can't" alone does not count.
const kHelpVerbs =
  'help(?! but\\b| it\\b| myself\\b)|assist|provide|comply|fulfil|fulfill|do that|do this|answer|create|generate|write|share|support|engage|give|offer|discuss|complete';
const kRefusing = combine([
  // English
  new RegExp(
    String.raw`\b(?:I'm|I am) (?:so |very |really )?sorry,? but I (?:can(?:'t|not| not)|won't|will not|am (?:not able|unable) to|'m (?:not able|unable) to) (?:${kHelpVerbs})\b`,
    'i',
  ),
  new RegExp(
    String.raw`\bI (?:can(?:'t|not| not)|won't|will not|am unable to|'m unable to|am not able to|'m not able to|am not allowed to|'m not allowed to) (?:${kHelpVerbs})\b`,
    'i',
  ),
  /\bI (?:must|have to) (?:respectfully |politely )?(?:decline|refuse)\b/i,
  /\b(?:I'm|I am) not (?:allowed|permitted|programmed) to (?:help|assist|provide|answer|do|give|share|discuss)\b/i,
  // Vietnamese
  /tôi không thể (?:giúp|hỗ trợ|cung cấp|trả lời|thực hiện|đáp ứng|làm điều)/iu,
  /tôi không được phép (?:giúp|hỗ trợ|cung cấp|trả lời|thực hiện|tiết lộ|chia sẻ)/iu,
  // French
  /\bje ne (?:peux|suis pas en mesure de|suis pas autorisée? à) (?:pas )?(?:vous |t[e'’] ?)?(?:aider|fournir|répondre|donner|assister)/iu,
  // German
  /\bich kann (?:dir |ihnen |euch )?(?:dabei |damit |hierbei )?(?:leider )?nicht (?:helfen|behilflich|beantworten|liefern|geben|unterstützen)/iu,
  /\bich darf (?:dir |ihnen |euch )?(?:dabei |damit |hierbei )?(?:leider )?nicht (?:helfen|beantworten|geben|unterstützen)/iu,
  // Spanish
  /\bno (?:puedo|estoy en condiciones de|me es posible) (?:ayudar|proporcionar|responder|ofrecer|dar|asistir|cumplir)/iu,
  // Chinese
  /我(?:无法|不能|没办法)(?:为你|为您|向你|向您)?(?:提供|帮助|帮你|帮您|回答|协助|满足|完成)/u,
  // Japanese
  /(?:お答え|回答|対応|お手伝い|ご提供|提供)(?:することは)?(?:でき(?:ません|かねます)|いたしかねます)/u,
]);

/** The phrase that makes `text` a refusal or AI talk, or null. */
export function refusalPhrase(text: string): string | null {
  for (const re of kAiTalk) {
    const m = re.exec(text);
    if (m) return m[0];
  }
  const opening = text.slice(0, kOpening);
  for (const re of kRefusing) {
    const m = re.exec(opening);
    if (m) return m[0];
  }
  return null;
}
