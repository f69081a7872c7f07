// How well a language identifier names the language of short chat turns: 40 hand-written
// questions and answers of 20-50 letters per language (the lengths the `language_mismatch` lint
// judges), accuracy per language and overall. This is how src/data/lint/ chose its identifier (eld,
// measured against tinyld, cld3-asm and franc in a scratch folder, which imports `measure` and
// `kLidSamples` from this file); run directly it measures the one the repo depends on:
//
//   npx tsx test/bench/lid-measure.ts
import { pathToFileURL } from 'node:url';

/** ISO 639-1 code -> short turns in that language (each 20-50 letters, checked by `measure`). */
export const kLidSamples: Record<string, string[]> = {
  en: [
    'How do I reverse a list in Python?',
    'What is the capital of Australia?',
    'Can you explain what a closure is?',
    'Use the sorted function with reverse set to true.',
    'The capital of Australia is Canberra.',
    'Why is the sky blue during the day?',
    'Sunlight scatters off air molecules.',
    'Write a haiku about autumn leaves.',
    'Give me three tips for better sleep.',
    'Go to bed at the same time every night.',
    'What does HTTP status code 404 mean?',
    'It means the page was not found.',
    'How many legs does a spider have?',
    'A spider has eight legs, not six.',
    'Summarize this paragraph in one sentence.',
    'Is it safe to eat raw cookie dough?',
    'Not really, raw eggs and flour can carry germs.',
    'What time zone is Tokyo in?',
    'Tokyo uses Japan Standard Time, UTC plus nine.',
    'How do I center a div with CSS?',
    'Set the parent to display flex and center items.',
    'Who wrote Pride and Prejudice?',
    'Jane Austen wrote it, published in 1813.',
    'Convert 100 degrees Fahrenheit to Celsius.',
    'That is about 37.8 degrees Celsius.',
    'What is the difference between RAM and ROM?',
    'Please fix the typo in my email draft.',
    'Here is the corrected version of your email.',
    'Recommend a good book on machine learning.',
    'Try Pattern Recognition by Christopher Bishop.',
    'How long should I boil an egg?',
    'About nine minutes for a hard boiled egg.',
    'What are the symptoms of the flu?',
    'Fever, cough, sore throat and body aches.',
    'Can dogs safely eat grapes or raisins?',
    'No, grapes can cause kidney failure in dogs.',
    'Explain recursion to a five year old.',
    'Sure, here is a simple explanation.',
    'Thanks, that was really helpful!',
    'You are welcome, happy to help anytime.',
  ],
  vi: [
    'Làm thế nào để đảo ngược một danh sách trong Python?',
    'Thủ đô của Úc là thành phố nào?',
    'Thủ đô của Úc là Canberra đó bạn.',
    'Tại sao bầu trời có màu xanh?',
    'Ánh sáng mặt trời bị tán xạ bởi không khí.',
    'Hãy viết một bài thơ ngắn về mùa thu.',
    'Cho tôi ba mẹo để ngủ ngon hơn.',
    'Hãy đi ngủ vào cùng một giờ mỗi tối.',
    'Mã lỗi HTTP 404 có nghĩa là gì vậy bạn?',
    'Nó có nghĩa là không tìm thấy trang.',
    'Con nhện có bao nhiêu cái chân?',
    'Con nhện có tám chân, không phải sáu.',
    'Hãy tóm tắt đoạn văn này trong một câu.',
    'Ăn bột bánh quy sống có an toàn không?',
    'Không hẳn, trứng sống có thể chứa vi khuẩn.',
    'Tokyo thuộc múi giờ nào vậy?',
    'Làm sao để căn giữa một thẻ div bằng CSS?',
    'Ai là tác giả của Truyện Kiều?',
    'Nguyễn Du là tác giả của Truyện Kiều.',
    'Hãy đổi 100 độ F sang độ C giúp tôi nhé.',
    'Kết quả là khoảng 37,8 độ C bạn nhé.',
    'Sự khác nhau giữa RAM và ROM là gì?',
    'Hãy sửa lỗi chính tả trong email của tôi.',
    'Đây là phiên bản đã sửa của email.',
    'Gợi ý cho tôi một cuốn sách hay về học máy.',
    'Luộc trứng trong bao lâu thì chín?',
    'Khoảng chín phút cho trứng chín kỹ.',
    'Triệu chứng của bệnh cúm là gì?',
    'Sốt, ho, đau họng và đau nhức cơ thể.',
    'Chó có ăn nho hay nho khô được không?',
    'Không, nho có thể gây suy thận ở chó.',
    'Giải thích đệ quy cho một đứa trẻ năm tuổi.',
    'Được, đây là một lời giải thích đơn giản.',
    'Cảm ơn bạn, câu trả lời rất hữu ích!',
    'Không có gì, rất vui được giúp bạn.',
    'Hà Nội có bao nhiêu quận và huyện?',
    'Tôi nên học tiếng Anh như thế nào?',
    'Bạn nên luyện nghe và nói mỗi ngày.',
    'Phở bò nấu như thế nào cho ngon?',
    'Hãy ninh xương bò ít nhất sáu tiếng.',
  ],
  fr: [
    'Comment inverser une liste en Python ?',
    "Quelle est la capitale de l'Australie ?",
    "La capitale de l'Australie est Canberra.",
    'Pourquoi le ciel est-il bleu le jour ?',
    "La lumière du soleil est diffusée par l'air.",
    "Écris un haïku sur les feuilles d'automne.",
    'Donne-moi trois conseils pour mieux dormir.',
    'Couche-toi à la même heure chaque soir.',
    "Que signifie le code d'erreur HTTP 404 ?",
    'Cela veut dire que la page est introuvable.',
    'Combien de pattes a une araignée ?',
    'Une araignée a huit pattes, pas six.',
    'Résume ce paragraphe en une seule phrase.',
    'Est-ce dangereux de manger de la pâte crue ?',
    'Pas vraiment, les œufs crus peuvent contenir des bactéries.',
    'Dans quel fuseau horaire se trouve Tokyo ?',
    'Comment centrer une div avec du CSS ?',
    'Qui a écrit Les Misérables ?',
    "C'est Victor Hugo, publié en 1862.",
    'Convertis 100 degrés Fahrenheit en Celsius.',
    'Cela fait environ 37,8 degrés Celsius.',
    'Quelle est la différence entre la RAM et la ROM ?',
    "Corrige les fautes dans mon brouillon d'e-mail.",
    'Voici la version corrigée de ton message.',
    "Conseille-moi un bon livre sur l'apprentissage automatique.",
    'Combien de temps faut-il cuire un œuf ?',
    'Environ neuf minutes pour un œuf dur.',
    'Quels sont les symptômes de la grippe ?',
    'Fièvre, toux, mal de gorge et courbatures.',
    'Les chiens peuvent-ils manger du raisin ?',
    'Non, le raisin peut provoquer une insuffisance rénale.',
    'Explique la récursivité à un enfant de cinq ans.',
    'Bien sûr, voici une explication simple.',
    "Merci, c'était vraiment très utile !",
    "Je t'en prie, ravi d'avoir pu t'aider.",
    'Où puis-je trouver une bonne boulangerie ?',
    'Comment apprendre le français rapidement ?',
    'Écoute des podcasts et parle chaque jour.',
    'Quelle heure est-il à Montréal maintenant ?',
    'Il faut compter environ six heures de décalage.',
  ],
  de: [
    'Wie kehre ich eine Liste in Python um?',
    'Was ist die Hauptstadt von Australien?',
    'Die Hauptstadt von Australien ist Canberra.',
    'Warum ist der Himmel tagsüber blau?',
    'Sonnenlicht wird an Luftmolekülen gestreut.',
    'Schreib ein Haiku über Herbstblätter.',
    'Gib mir drei Tipps für besseren Schlaf.',
    'Geh jeden Abend zur gleichen Zeit ins Bett.',
    'Was bedeutet der HTTP-Statuscode 404?',
    'Das bedeutet, dass die Seite nicht gefunden wurde.',
    'Wie viele Beine hat eine Spinne?',
    'Eine Spinne hat acht Beine, nicht sechs.',
    'Fasse diesen Absatz in einem Satz zusammen.',
    'Ist es sicher, rohen Keksteig zu essen?',
    'Nicht wirklich, rohe Eier können Keime enthalten.',
    'In welcher Zeitzone liegt Tokio?',
    'Wie zentriere ich ein div mit CSS?',
    'Wer hat Die Verwandlung geschrieben?',
    'Das war Franz Kafka, erschienen 1915.',
    'Rechne 100 Grad Fahrenheit in Celsius um.',
    'Das sind ungefähr 37,8 Grad Celsius.',
    'Was ist der Unterschied zwischen RAM und ROM?',
    'Korrigiere bitte die Tippfehler in meiner Mail.',
    'Hier ist die korrigierte Fassung deiner Mail.',
    'Empfiehl mir ein gutes Buch über maschinelles Lernen.',
    'Wie lange muss ich ein Ei kochen?',
    'Etwa neun Minuten für ein hartes Ei.',
    'Was sind die Symptome einer Grippe?',
    'Fieber, Husten, Halsschmerzen und Gliederschmerzen.',
    'Dürfen Hunde Weintrauben essen?',
    'Nein, Trauben können bei Hunden Nierenversagen auslösen.',
    'Erkläre Rekursion einem fünfjährigen Kind.',
    'Gern, hier ist eine einfache Erklärung.',
    'Danke, das war wirklich sehr hilfreich!',
    'Gern geschehen, ich helfe jederzeit.',
    'Wo finde ich in Berlin eine gute Bäckerei?',
    'Wie lerne ich am schnellsten Deutsch?',
    'Hör jeden Tag Podcasts und sprich viel.',
    'Wie spät ist es gerade in New York?',
    'Dort ist es sechs Stunden früher als hier.',
  ],
  es: [
    '¿Cómo invierto una lista en Python?',
    '¿Cuál es la capital de Australia?',
    'La capital de Australia es Canberra.',
    '¿Por qué el cielo es azul durante el día?',
    'La luz del sol se dispersa en el aire.',
    'Escribe un haiku sobre las hojas de otoño.',
    'Dame tres consejos para dormir mejor.',
    'Acuéstate a la misma hora todas las noches.',
    '¿Qué significa el código de error HTTP 404?',
    'Significa que no se encontró la página.',
    '¿Cuántas patas tiene una araña?',
    'Una araña tiene ocho patas, no seis.',
    'Resume este párrafo en una sola frase.',
    '¿Es seguro comer masa de galletas cruda?',
    'No del todo, los huevos crudos pueden tener bacterias.',
    '¿En qué zona horaria está Tokio?',
    '¿Cómo centro un div con CSS?',
    '¿Quién escribió Cien años de soledad?',
    'Fue Gabriel García Márquez, en 1967.',
    'Convierte 100 grados Fahrenheit a Celsius.',
    'Son aproximadamente 37,8 grados Celsius.',
    '¿Cuál es la diferencia entre RAM y ROM?',
    'Corrige los errores de mi borrador de correo.',
    'Aquí tienes la versión corregida del correo.',
    'Recomiéndame un buen libro de aprendizaje automático.',
    '¿Cuánto tiempo hay que hervir un huevo?',
    'Unos nueve minutos para un huevo duro.',
    '¿Cuáles son los síntomas de la gripe?',
    'Fiebre, tos, dolor de garganta y dolores musculares.',
    '¿Pueden los perros comer uvas?',
    'No, las uvas pueden causar insuficiencia renal.',
    'Explica la recursión a un niño de cinco años.',
    'Claro, aquí tienes una explicación sencilla.',
    'Gracias, me ha sido muy útil.',
    'De nada, encantado de ayudarte cuando quieras.',
    '¿Dónde puedo encontrar una buena panadería?',
    '¿Cómo aprendo español más rápido?',
    'Escucha pódcasts y habla todos los días.',
    '¿Qué hora es ahora en Ciudad de México?',
    'Allí son siete horas menos que en Madrid.',
  ],
  zh: [
    '如何在Python中反转一个列表呢？请给我一个例子。',
    '澳大利亚的首都是哪个城市？我一直以为是悉尼。',
    '澳大利亚的首都是堪培拉，而不是很多人以为的悉尼。',
    '为什么天空在白天看起来是蓝色的？能简单解释一下吗？',
    '因为阳光中的蓝光被空气分子散射得更多，所以天空是蓝色的。',
    '请写一首关于秋天落叶的短诗，最好是四句，语言要优美。',
    '请给我三个改善睡眠质量的实用小建议，越具体越好，谢谢。',
    '每天晚上在同一时间上床睡觉，睡前一小时不要看手机。',
    'HTTP状态码404是什么意思？我访问网站时经常看到它。',
    '404表示服务器找不到你请求的页面，通常是链接已经失效了。',
    '蜘蛛一共有几条腿？它们和昆虫一样都是六条腿吗？',
    '蜘蛛有八条腿，它们属于蛛形纲动物，而不是昆虫纲。',
    '请用一句话总结这段文字的主要内容，不要超过三十个字。',
    '直接吃生的饼干面团安全吗？里面有生鸡蛋和面粉。',
    '不太安全，生鸡蛋和生面粉都可能含有细菌，建议烤熟再吃。',
    '请问东京属于哪个时区？和北京时间相差几个小时呢？',
    '怎样用CSS让一个div在页面中水平和垂直居中？',
    '请问《红楼梦》的作者是谁？这本书是在哪个朝代写成的？',
    '一般认为《红楼梦》的作者是曹雪芹，成书于清朝乾隆年间。',
    '把一百华氏度换算成摄氏度是多少？请写出计算过程。',
    '一百华氏度大约等于三十七点八摄氏度，接近人的体温。',
    '内存和只读存储器有什么区别？各自用在什么地方？',
    '帮我修改一下这封邮件里的错别字和语病好吗？谢谢。',
    '这是修改后的邮件，我调整了几处用词和标点符号。',
    '推荐一本关于机器学习的入门书籍，最好是中文的。',
    '鸡蛋要煮多长时间才能完全熟透？冷水下锅还是热水？',
    '一般水开以后再煮大约九分钟，蛋黄就会完全凝固了。',
    '流感通常有哪些常见症状？和普通感冒有什么不同？',
    '流感常见症状有发烧、咳嗽、喉咙痛和全身肌肉酸痛。',
    '狗狗可以吃葡萄吗？我家的狗好像特别喜欢吃水果。',
    '绝对不可以，葡萄和葡萄干可能导致狗狗急性肾衰竭。',
    '请用五岁小孩也能听懂的话，解释一下什么是递归。',
    '好的，下面是一个简单易懂的解释，希望对你有帮助。',
    '谢谢你，这个回答真的非常有帮助，我现在终于明白了！',
    '不客气，很高兴能帮到你，以后有问题随时都可以来问我。',
    '北京有哪些值得一去的博物馆？这个周末想带孩子去看看。',
    '怎样才能快速提高英语口语水平？有什么好方法吗？',
    '建议每天坚持听英语播客，并且多找机会开口练习。',
    '家常红烧肉怎么做才好吃？需要提前准备哪些调料呢？',
    '先把五花肉焯水，再加冰糖炒出糖色，然后小火慢炖。',
  ],
  ja: [
    'Pythonでリストを逆順にするにはどうすればいいですか？',
    'オーストラリアの首都はどこですか？シドニーですか？',
    'オーストラリアの首都はキャンベラで、シドニーではありません。',
    'どうして昼間の空は青く見えるのか、簡単に教えてください。',
    '太陽の光の中の青い光が、空気の分子によって散乱されるからです。',
    '秋の落ち葉についての短い俳句を書いてください。',
    'よく眠るためのコツを三つ教えてもらえますか？',
    '毎晩同じ時間に寝て、寝る前はスマホを見ないようにしましょう。',
    'HTTPステータスコードの404はどういう意味ですか？',
    '404はリクエストしたページが見つからないという意味です。',
    'クモの足は何本ありますか？昆虫と同じ六本ですか？',
    'クモの足は八本で、昆虫ではなくクモ綱に属します。',
    'この段落の内容を一文で簡潔にまとめてください。',
    '生のクッキー生地を食べても大丈夫でしょうか？',
    'あまりおすすめしません。生卵や小麦粉に細菌がいることがあります。',
    '東京はどのタイムゾーンに属していますか？時差も知りたいです。',
    'CSSでdivを画面の中央に配置する方法を教えてください。',
    '『吾輩は猫である』の作者は誰ですか？いつ書かれましたか？',
    '作者は夏目漱石で、明治時代の終わりごろに書かれました。',
    '華氏百度は摂氏で何度になりますか？計算方法も教えてください。',
    '華氏百度はおよそ摂氏三十七・八度で、人の体温に近いです。',
    'RAMとROMの違いは何ですか？それぞれの用途も知りたいです。',
    'このメールの誤字脱字を直してもらえませんか？お願いします。',
    '修正したメールはこちらです。いくつかの言い回しも直しました。',
    '機械学習の入門におすすめの本を一冊紹介してください。',
    'ゆで卵を固ゆでにするには何分くらいゆでればいいですか？',
    '沸騰してから九分ほどゆでると、黄身がしっかり固まります。',
    'インフルエンザにはどんな症状がありますか？風邪との違いは？',
    '高熱、せき、のどの痛み、それに全身のだるさがよく見られます。',
    '犬にぶどうを食べさせても大丈夫ですか？果物が好きみたいです。',
    'いいえ、ぶどうは犬の腎臓に深刻な障害を起こすことがあります。',
    '五歳の子どもにもわかるように再帰を説明してください。',
    'もちろんです。できるだけ簡単な言葉で説明してみますね。',
    'ありがとうございます、とても参考になりました！',
    'どういたしまして。また何かあれば気軽に聞いてください。',
    '京都でおすすめのお寺や神社をいくつか教えてください。',
    '英語の会話力を早く上達させるにはどうしたらいいですか？',
    '毎日英語のポッドキャストを聞いて、声に出して練習しましょう。',
    'おいしいカレーを作るコツは何ですか？隠し味はありますか？',
    '玉ねぎをじっくり炒めて、最後にチョコレートを少し入れます。',
  ],
};

/** Letters in a string (what the lint's 20-letter floor counts). */
export function letterCount(s: string): number {
  return s.match(/\p{L}/gu)?.length ?? 0;
}

export interface LidScore {
  name: string;
  /** Language -> correct out of tried. */
  perLanguage: Record<string, { correct: number; total: number }>;
  correct: number;
  total: number;
  /** Microseconds per detection, warm (wall time on a shared machine: a rough figure). */
  usPerCall: number;
  /** What it said when wrong: "lang: text -> guess". */
  misses: string[];
}

/** Accuracy of `detect` (returns an ISO 639-1 code, or '' for unknown) on `kLidSamples`. */
export function measure(name: string, detect: (text: string) => string): LidScore {
  const score: LidScore = {
    name,
    perLanguage: {},
    correct: 0,
    total: 0,
    usPerCall: 0,
    misses: [],
  };
  for (const [lang, texts] of Object.entries(kLidSamples)) {
    const row = { correct: 0, total: 0 };
    for (const text of texts) {
      const n = letterCount(text);
      if (n < 20 || n > 50) throw new Error(`sample of ${n} letters (want 20-50): ${text}`);
      const guess = detect(text);
      row.total++;
      if (guess === lang) row.correct++;
      else score.misses.push(`${lang}: ${text} -> ${guess || '?'}`);
    }
    score.perLanguage[lang] = row;
    score.correct += row.correct;
    score.total += row.total;
  }
  // time a second pass over the samples, after the first one warmed the JIT and loaded the data
  const t0 = performance.now();
  for (const texts of Object.values(kLidSamples)) for (const text of texts) detect(text);
  score.usPerCall = ((performance.now() - t0) * 1000) / score.total;
  return score;
}

/** A markdown table row per score: overall then per language. */
export function table(scores: LidScore[]): string {
  const langs = Object.keys(kLidSamples);
  const head = `| library | all | ${langs.join(' | ')} | µs/call |`;
  const rule = `|${' --- |'.repeat(langs.length + 3)}`;
  const rows = scores.map((s) => {
    const pct = (c: number, t: number) => `${((100 * c) / t).toFixed(1)}%`;
    const cells = langs.map((l) => pct(s.perLanguage[l].correct, s.perLanguage[l].total));
    return `| ${s.name} | ${pct(s.correct, s.total)} | ${cells.join(' | ')} | ${s.usPerCall.toFixed(0)} |`;
  });
  return [head, rule, ...rows].join('\n');
}

async function main(): Promise<void> {
  const { eld } = await import('eld/medium');
  const score = measure('eld (medium)', (t) => eld.detect(t).language);
  console.log(table([score]));
  for (const m of score.misses) console.log(`  miss ${m}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
