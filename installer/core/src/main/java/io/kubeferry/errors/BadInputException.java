package io.kubeferry.errors;

import java.util.List;

/**
 * The user's input is wrong. Carries every problem found (jreleaser style: all at once), each with
 * its location, so the user can fix them in one pass.
 */
public class BadInputException extends KubeferryException {
    private final List<Problem> problems;

    public BadInputException(List<Problem> problems) {
        super(summary(problems));
        this.problems = List.copyOf(problems);
    }

    public BadInputException(String where, String message) {
        this(List.of(Problem.error(where, message)));
    }

    public BadInputException(Location where, String message) {
        this(List.of(Problem.error(where, message)));
    }

    public List<Problem> problems() {
        return problems;
    }

    @Override
    public ExitCode exitCode() {
        return ExitCode.BAD_INPUT;
    }

    private static String summary(List<Problem> problems) {
        StringBuilder sb = new StringBuilder();
        long errors = problems.stream().filter(p -> p.severity() == Problem.Severity.ERROR).count();
        sb.append(errors).append(errors == 1 ? " error" : " errors").append(" in the input:");
        for (Problem p : problems) {
            sb.append(System.lineSeparator()).append("  ").append(p.format());
        }
        return sb.toString();
    }
}
