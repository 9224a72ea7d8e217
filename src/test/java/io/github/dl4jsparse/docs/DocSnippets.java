package io.github.dl4jsparse.docs;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code ```java} blocks of README.md and docs/*.md, compiled as a user who copies one would: its own import lines,
 * then its statements in a method, against the test class path. Variables that a block uses but does not declare (the
 * user's data, a file) are declared in an HTML comment on a line just before the block, invisible on GitHub:
 * {@code <!-- snippet context: org.nd4j.linalg.dataset.api.iterator.DataSetIterator trainData; java.io.File file -->}.
 * A block that needs another module says so, {@code <!-- snippet module: dl4j-sparse-spark -->}, and that module's
 * tests compile it (this class is in the library's test jar).
 */
public final class DocSnippets {

    private static final Pattern CONTEXT = Pattern.compile("<!-- snippet context: (.*?) -->");
    private static final Pattern MODULE = Pattern.compile("<!-- snippet module: (.*?) -->");

    private DocSnippets() {
    }

    /**
     * One {@code ```java} block.
     *
     * @param module  the module whose tests compile it; null for the library
     * @param context declarations of the variables it uses, separated by {@code ;}
     */
    public record Snippet(Path file, int line, String module, String context, List<String> imports, String body) {
        public String name() {
            return file.getFileName() + ":" + line;
        }
    }

    /** @return README.md and every docs/*.md under {@code root} (the repository's root) */
    public static List<Path> documents(Path root) throws IOException {
        List<Path> files = new ArrayList<>();
        files.add(root.resolve("README.md"));
        try (Stream<Path> docs = Files.list(root.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
        }
        return files;
    }

    /** @return the blocks of {@code documents} that {@code module} compiles (null: the library) */
    public static List<Snippet> snippets(List<Path> documents, String module) throws IOException {
        List<Snippet> out = new ArrayList<>();
        for (Path doc : documents) {
            for (Snippet s : snippets(doc)) {
                if (Objects.equals(s.module(), module)) {
                    out.add(s);
                }
            }
        }
        return out;
    }

    static List<Snippet> snippets(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        List<Snippet> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).trim().equals("```java")) {
                continue;
            }
            String context = "";
            String module = null;
            for (int j = Math.max(0, i - 2); j < i; j++) {
                Matcher c = CONTEXT.matcher(lines.get(j));
                if (c.find()) {
                    context = c.group(1).trim();
                }
                Matcher m = MODULE.matcher(lines.get(j));
                if (m.find()) {
                    module = m.group(1).trim();
                }
            }
            int first = i + 2; // 1-based line of the block's first line
            List<String> imports = new ArrayList<>();
            StringBuilder body = new StringBuilder();
            for (i = i + 1; !lines.get(i).trim().equals("```"); i++) {
                String l = lines.get(i);
                if (l.startsWith("import ")) {
                    imports.add(l);
                } else {
                    body.append(l).append('\n');
                }
            }
            out.add(new Snippet(file, first, module, context, imports, body.toString()));
        }
        return out;
    }

    /** Compiles {@code s}; fails with the compiler's errors and the source as compiled. */
    public static void compile(Snippet s) throws IOException {
        assertFalse(s.imports().isEmpty(), s.name() + ": the snippet shows no imports");
        String params = s.context().isEmpty() ? "" : String.join(", ", s.context().split("\\s*;\\s*"));
        String source = String.join("\n", s.imports()) + "\n\nclass Snippet {\n    static void run(" + params
                + ") throws Exception {\n" + s.body() + "\n    }\n}\n";
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        JavaFileObject unit = new SimpleJavaFileObject(URI.create("string:///Snippet.java"), JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return source;
            }
        };
        Path out = Files.createTempDirectory("snippet");
        boolean ok = compiler.getTask(null, null, diagnostics, List.of("-classpath", System.getProperty("java.class.path"),
                "-d", out.toString(), "-proc:none", "-Xlint:none"), null, List.of(unit)).call();
        StringBuilder errors = new StringBuilder();
        for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
            if (d.getKind() == Diagnostic.Kind.ERROR) {
                errors.append("\n  line ").append(d.getLineNumber()).append(" as compiled: ").append(d.getMessage(null));
            }
        }
        assertTrue(ok, s.name() + " does not compile:" + errors + "\n--- as compiled:\n" + source);
    }
}
