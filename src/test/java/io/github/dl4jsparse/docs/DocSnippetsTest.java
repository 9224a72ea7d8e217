package io.github.dl4jsparse.docs;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Compiles every {@code ```java} block of README.md and docs/*.md against the library and its dependencies, as a user
 * who copies it would: the block's own import lines, then its statements in a method. Variables that a block uses but
 * does not declare (the user's data, a file) are declared in an HTML comment on the line before the block, invisible
 * on GitHub: {@code <!-- snippet context: org.nd4j.linalg.dataset.api.iterator.DataSetIterator trainData; java.io.File file -->}.
 * A block of whole classes or a method-less fragment is not allowed: every block compiles as it stands. A block
 * that needs another module (the Spark module) says so on the line before it,
 * {@code <!-- snippet module: dl4j-sparse-spark -->}, and that module's tests compile it.
 */
class DocSnippetsTest {

    private static final Pattern CONTEXT = Pattern.compile("<!-- snippet context: (.*?) -->");
    private static final Pattern MODULE = Pattern.compile("<!-- snippet module: (.*?) -->");

    /** One {@code ```java} block. */
    record Snippet(Path file, int line, String module, String context, List<String> imports, String body) {
        String name() {
            return file.getFileName() + ":" + line;
        }
    }

    static List<Path> documents() throws IOException {
        List<Path> files = new ArrayList<>();
        files.add(Path.of("README.md"));
        try (Stream<Path> docs = Files.list(Path.of("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
        }
        return files;
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
            int start = i + 1;
            List<String> imports = new ArrayList<>();
            StringBuilder body = new StringBuilder();
            for (i = start; !lines.get(i).trim().equals("```"); i++) {
                String l = lines.get(i);
                if (l.startsWith("import ")) {
                    imports.add(l);
                } else {
                    body.append(l).append('\n');
                }
            }
            out.add(new Snippet(file, start + 1, module, context, imports, body.toString()));
        }
        return out;
    }

    @Test
    void theDocsHaveSnippets() throws IOException {
        int n = 0;
        for (Path doc : documents()) {
            n += snippets(doc).size();
        }
        assertTrue(n >= 8, "found " + n + " java snippets");
    }

    @TestFactory
    Stream<DynamicTest> everySnippetCompilesWithItsOwnImports() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path doc : documents()) {
            for (Snippet s : snippets(doc)) {
                if (s.module() != null) {
                    continue; // compiled by that module's tests
                }
                tests.add(DynamicTest.dynamicTest(s.name(), () -> compile(s)));
            }
        }
        return tests.stream();
    }

    static void compile(Snippet s) {
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
        Path out;
        try {
            out = Files.createTempDirectory("snippet");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        boolean ok = compiler.getTask(null, null, diagnostics, List.of("-classpath", System.getProperty("java.class.path"),
                "-d", out.toString(), "-proc:none", "-Xlint:none"), null, List.of(unit)).call();
        StringBuilder errors = new StringBuilder();
        for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
            if (d.getKind() == Diagnostic.Kind.ERROR) {
                errors.append("\n  line ").append(d.getLineNumber() - s.imports().size() - 4).append(" of the code: ")
                        .append(d.getMessage(null));
            }
        }
        assertTrue(ok, s.name() + " does not compile:" + errors + "\n--- as compiled:\n" + source);
    }
}
