using FluentValidation;
using Mediator;
using Teski.Application.Common.Errors;
using Teski.Application.Common.Stores;
using Teski.Domain.Persona;

namespace Teski.Application.Persona.Definitions;

/// <summary><c>GET /api/v1/personas/</c>.</summary>
public sealed record ListPersonasQuery : IRequest<IReadOnlyList<PersonaDefinition>>;

public sealed class ListPersonasHandler(IStoreRouter stores) : IRequestHandler<ListPersonasQuery, IReadOnlyList<PersonaDefinition>>
{
    public async ValueTask<IReadOnlyList<PersonaDefinition>> Handle(ListPersonasQuery request, CancellationToken cancellationToken) =>
        await stores.Primary.Personas.ListDefinitionsAsync(cancellationToken);
}

/// <summary><c>GET /api/v1/personas/{code}</c>; 404 <c>persona_not_found</c>.</summary>
public sealed record GetPersonaDefinitionQuery(string Code) : IRequest<PersonaDefinition>;

public sealed class GetPersonaDefinitionHandler(IStoreRouter stores) : IRequestHandler<GetPersonaDefinitionQuery, PersonaDefinition>
{
    public async ValueTask<PersonaDefinition> Handle(GetPersonaDefinitionQuery request, CancellationToken cancellationToken) =>
        await stores.Primary.Personas.FindDefinitionAsync(request.Code, cancellationToken)
        ?? throw new NotFoundException("persona_not_found", $"No persona with code '{request.Code}'.");
}

/// <summary><c>POST /api/v1/personas/nudge/preview</c>: the mood (requested or chosen by the legacy rule) and its rendered line.</summary>
public sealed record PreviewNudgeQuery(string? RequestedMood, string Phase, double? MinutesToDue, bool Overdue, int RepeatedDeferrals, string? TaskId)
    : IRequest<NudgePreview>;

public sealed record NudgePreview(string Mood, string Phase, string? Text, PersonaDefinition Persona);

public sealed class PreviewNudgeValidator : AbstractValidator<PreviewNudgeQuery>
{
    public PreviewNudgeValidator()
    {
        RuleFor(x => x.Phase).NotEmpty().MaximumLength(64).OverridePropertyName("phase");
        RuleFor(x => x.RepeatedDeferrals).GreaterThanOrEqualTo(0).OverridePropertyName("context.repeatedDeferrals");
        RuleFor(x => x.RequestedMood).MaximumLength(64).OverridePropertyName("requestedMood");
    }
}

public sealed class PreviewNudgeHandler(IStoreRouter stores) : IRequestHandler<PreviewNudgeQuery, NudgePreview>
{
    public async ValueTask<NudgePreview> Handle(PreviewNudgeQuery request, CancellationToken cancellationToken)
    {
        var mood = LegacyMood.Choose(request.RequestedMood, request.MinutesToDue, request.Overdue, request.RepeatedDeferrals);
        var persona = await stores.Primary.Personas.FindDefinitionAsync(mood, cancellationToken)
            ?? throw new NotFoundException("persona_not_found", $"No persona with code '{mood}'.");
        var config = LegacyPersonaConfig.Parse(persona.ConfigJson);
        var line = config.Nudge(request.Phase, request.TaskId ?? mood);
        return new NudgePreview(mood, request.Phase, line, persona);
    }
}
