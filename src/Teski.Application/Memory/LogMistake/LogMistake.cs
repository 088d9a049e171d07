using System.Text.Json;
using FluentValidation;
using Mediator;
using NodaTime;
using Teski.Application.Common.Identity;
using Teski.Application.Common.Mirroring;
using Teski.Application.Common.Settings;
using Teski.Application.Common.Stores;
using Teski.Domain.Memory;

namespace Teski.Application.Memory.LogMistake;

/// <summary><c>POST /memory/mistake</c>: a v2 mistake; schedules (or pulls in) the memory item for the concept.</summary>
public sealed record LogMistakeCommand(UserRef User, string Concept, Guid? TaskId, string? Raw, string? Prompt, string? ContextJson)
    : IRequest<LogMistakeResult>, IWriteCommand;

public sealed record LogMistakeResult(Guid MemoryId, string Concept, string Subtype);

public sealed class LogMistakeValidator : AbstractValidator<LogMistakeCommand>
{
    public LogMistakeValidator()
    {
        RuleFor(x => x.Concept).NotEmpty().MaximumLength(255).OverridePropertyName("concept");
        RuleFor(x => x.Raw).MaximumLength(10_000).OverridePropertyName("raw");
    }
}

public sealed class LogMistakeHandler(IStoreRouter stores, WriteScope scope, IClock clock, V2RuleSettings rules)
    : IRequestHandler<LogMistakeCommand, LogMistakeResult>
{
    public async ValueTask<LogMistakeResult> Handle(LogMistakeCommand request, CancellationToken cancellationToken)
    {
        var now = clock.GetCurrentInstant();
        var store = stores.Primary;
        var user = await store.Users.ResolveAsync(request.User, null, create: true, now, cancellationToken)
            ?? throw new InvalidOperationException("user could not be created");
        var concept = request.Concept.Trim();
        var subtype = MistakeSubtype.Infer(request.Raw, request.Prompt);
        var raw = RawJson(request.Raw, request.ContextJson);
        var entry = new MistakeEntry(MistakeOrigin.V2, concept, concept, null, null, LegacyMistakeClassifier.DefaultErrorType, null, subtype, raw, request.TaskId);
        var logged = await store.Memory.LogMistakeAsync(user, entry, now, rules, cancellationToken);
        scope.Record(new MistakeFact(user, now, entry with { LegacyMistakeId = logged.LegacyId, V2MistakeId = logged.MistakeId }));
        return new LogMistakeResult(logged.MemoryId ?? Guid.Empty, logged.Concept, logged.Subtype);
    }

    /// <summary>The stored <c>raw</c> is the client's text as given; with only a context, the context JSON.</summary>
    private static string RawJson(string? raw, string? contextJson)
    {
        if (raw is not null)
        {
            return raw;
        }
        return contextJson ?? JsonSerializer.Serialize(new { });
    }
}
